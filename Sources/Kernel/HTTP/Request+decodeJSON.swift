import Foundation
import Hummingbird

/// Bodies that check their own values after decoding; every problem found is reported at once (422).
public protocol Validatable {
    func validate(_ errors: inout ValidationErrors)
}

/// Collects field errors while a body is validated.
public struct ValidationErrors: Sendable {
    public private(set) var items: [FieldError] = []
    public init() {}

    /// Records that the field at `path` (API names, e.g. `["email"]`) is invalid.
    public mutating func add(_ path: String..., detail: String) {
        items.append(FieldError(pointer: FieldError.pointer(path), detail: detail))
    }

    /// Records a problem unless `condition` holds.
    public mutating func check(_ condition: Bool, _ path: String..., detail: String) {
        if !condition { items.append(FieldError(pointer: FieldError.pointer(path), detail: detail)) }
    }

    public var isEmpty: Bool { items.isEmpty }
}

extension Request {
    /// Reads the body as JSON into `T`: 415 unless it is JSON, 413 over the size limit, 400 with the line,
    /// column and pointer when malformed, 422 with per-field errors when it does not fit `T` or fails
    /// `Validatable`. Unknown members are ignored.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        let contentType = headers[.contentType]
        guard let contentType, Self.isJSON(contentType) else { throw Problem.unsupportedMediaType(contentType) }
        if let declared = headers[.contentLength].flatMap(Int.init), declared > context.maxUploadSize {
            throw Problem.contentTooLarge(limit: context.maxUploadSize)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.contentTooLarge(limit: context.maxUploadSize)
        }
        let bytes = buffer.readableBytesView
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw Problem.malformedJSON("The request body is empty; a JSON document was expected.")
        }
        if let failure = JSONSyntax.check(bytes) {
            throw Problem.malformedJSON("Malformed JSON at line \(failure.line), column \(failure.column): \(failure.message).",
                                        pointer: failure.pointer)
        }
        let value: T
        do {
            value = try JSONCoding.decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Problem.validation([Self.fieldError(for: error)])
        }
        if let validatable = value as? any Validatable {
            var errors = ValidationErrors()
            validatable.validate(&errors)
            if !errors.isEmpty { throw Problem.validation(errors.items) }
        }
        return value
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    static func fieldError(for error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> [String] {
            keys.map { $0.intValue.map(String.init) ?? JSONCoding.snakeCase($0.stringValue) }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(pointer: FieldError.pointer(path(context.codingPath + [key])), detail: "is required")
        case .valueNotFound(let expected, let context):
            return FieldError(pointer: FieldError.pointer(path(context.codingPath)), detail: "must not be null; expected \(describe(expected))")
        case .typeMismatch(let expected, let context):
            return FieldError(pointer: FieldError.pointer(path(context.codingPath)), detail: "must be \(describe(expected))")
        case .dataCorrupted(let context):
            return FieldError(pointer: FieldError.pointer(path(context.codingPath)), detail: "is invalid: \(context.debugDescription)")
        @unknown default:
            return FieldError(pointer: "", detail: "does not match the expected shape")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is UUID.Type: return "a UUID string"
        case is Date.Type: return "an ISO 8601 timestamp"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
