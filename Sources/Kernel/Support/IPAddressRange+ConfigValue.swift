import CEL

extension IPAddressRange: ConfigValue {
    public static var expectation: String { "an address or CIDR block like 10.0.0.0/8" }
    public static func parse(configText: String) -> Result<IPAddressRange, ConfigValueError> {
        IPAddressRange(configText).map { .success($0) } ?? .failure(ConfigValueError("not an IP address or CIDR block"))
    }
    public var configDescription: String { description }
    public static var placeholder: IPAddressRange { IPAddressRange("127.0.0.1/32")! }
}
