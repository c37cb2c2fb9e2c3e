import HTTPTypes

extension HTTPFields {
    /// `Content-Type: application/json`, made once: a field made from text checks every byte of it.
    public static let json: HTTPFields = [.contentType: "application/json"]

    /// The value of the field named `name` without the copy `headers[name]` makes (it joins every field of
    /// that name into a new string, even a lone one): the field's own value when there is one field, the
    /// values joined as the subscript joins them when there are several, `nil` when there is none.
    /// For credentials, which are long and read on every request.
    public func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
