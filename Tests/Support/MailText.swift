import Foundation

/// The text parts of a raw MIME message, decoded (base64 bodies).
func mailText(_ raw: String) -> String {
    raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { part in
        let body = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
        return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) }
    }.joined(separator: "\n")
}

/// The `token` query parameter of the first link in `text` whose path ends with `path`.
func linkToken(in text: String, path: String) -> String? {
    guard let range = text.range(of: path + "?token=") else { return nil }
    return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
}
