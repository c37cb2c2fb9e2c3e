/// Whether Swift's `==` on a value is byte-for-byte equality, which memo keys need: `String`'s `==` treats
/// canonically equivalent text as equal (`"é"` and `"e\u{301}"`, even `"K"` and the Kelvin sign), and
/// `Double`'s treats `-0.0` as `0.0`, while policy conditions see the bytes and the sign. Plain ASCII
/// text and signed zeros are the cases where both agree; memos simply skip everything else.
extension String {
    public var comparesExactly: Bool {
        // Over the contiguous bytes when there are (native and small strings): a tight loop, not a view walk.
        utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } } ?? utf8.allSatisfy { $0 < 0x80 }
    }
}

extension Array where Element == String {
    public var comparesExactly: Bool { allSatisfy(\.comparesExactly) }
}

extension JSONValue {
    public var comparesExactly: Bool {
        switch self {
        case .null, .bool, .int: return true
        case .double(let number): return !(number == 0 && number.sign == .minus)
        case .string(let text): return text.comparesExactly
        case .array(let items): return items.allSatisfy(\.comparesExactly)
        case .object(let members): return Self.comparesExactly(members)
        }
    }

    public static func comparesExactly(_ members: [String: JSONValue]) -> Bool {
        members.allSatisfy { $0.key.comparesExactly && $0.value.comparesExactly }
    }
}

extension Principal {
    /// Every part of the principal compares exactly (see `String.comparesExactly`).
    public var comparesExactly: Bool {
        id.comparesExactly && roles.comparesExactly && JSONValue.comparesExactly(attributes)
            && authenticator.comparesExactly && (impersonatorID?.comparesExactly ?? true)
    }
}
