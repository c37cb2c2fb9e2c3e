import CCurl
import Foundation
import NIOPosix

/// An outgoing HTTP request.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Longest the whole exchange (connect, send, receive) may take.
    public var timeout: Swift.Duration

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Swift.Duration = .seconds(10)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer to an outgoing request.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why an outgoing request got no HTTP answer (connection refused, timeout, TLS failure, …).
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The exchange ran out of time.
    public var timedOut: Bool
}

/// Outgoing HTTP(S) through libcurl, run on `NetworkThreads` so no event loop or task thread ever waits.
/// Responses larger than `maxResponseSize` are cut off with an error.
public struct HTTPClient: Sendable {
    public var maxResponseSize: Int

    public init(maxResponseSize: Int = 8 << 20) {
        self.maxResponseSize = maxResponseSize
    }

    public func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let limit = maxResponseSize
        return try await NetworkThreads.pool.runIfActive { try Self.perform(request, limit: limit) }
    }

    private final class Exchange {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        let limit: Int
        var overflow = false
        init(limit: Int) { self.limit = limit }
    }

    private static func perform(_ request: HTTPClientRequest, limit: Int) throws -> HTTPClientResponse {
        _ = Curl.initialized
        guard let handle = curl_easy_init() else { throw HTTPClientError(description: "libcurl could not start a session", timedOut: false) }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        if !request.body.isEmpty, !request.headers.contains(where: { $0.0.lowercased() == "expect" }) {
            headerList = curl_slist_append(headerList, "Expect:")
        }
        defer { curl_slist_free_all(headerList) }
        func check(_ code: CURLcode) throws {
            guard code == CURLE_OK else {
                throw HTTPClientError(description: "libcurl option failed: \(String(cString: curl_easy_strerror(code)))", timedOut: false)
            }
        }
        try check(lintel_curl_set_string(handle, CURLOPT_URL, request.url))
        try check(lintel_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
        try check(lintel_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(lintel_curl_set_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.timeInterval * 1000))))
        try check(lintel_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        try check(lintel_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(lintel_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headerList))
        if request.method == "HEAD" { try check(lintel_curl_set_long(handle, CURLOPT_NOBODY, 1)) }
        if !request.body.isEmpty {
            try check(lintel_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count))
            try request.body.withUnsafeBufferPointer { buffer in
                try check(lintel_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
            }
        }
        let exchange = Exchange(limit: limit)
        let retained = Unmanaged.passRetained(exchange)
        defer { retained.release() }
        try check(lintel_curl_set_write_function(handle) { data, size, count, context in
            guard let context else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            guard exchange.body.count + length <= exchange.limit else { exchange.overflow = true; return 0 }
            if let data, length > 0 {
                exchange.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            }
            return length
        })
        try check(lintel_curl_set_pointer(handle, CURLOPT_WRITEDATA, retained.toOpaque()))
        try check(lintel_curl_set_header_function(handle) { data, size, count, context in
            guard let context else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            if let data, length > 0 {
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                if line.hasPrefix("HTTP/") {
                    exchange.headers = [:] // a new response (after 100 Continue or a redirect) starts over
                } else if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                    exchange.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            return length
        })
        try check(lintel_curl_set_pointer(handle, CURLOPT_HEADERDATA, retained.toOpaque()))
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = lintel_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            if exchange.overflow {
                throw HTTPClientError(description: "\(request.method) \(request.url): response larger than \(limit) bytes", timedOut: false)
            }
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw HTTPClientError(description: "\(request.method) \(request.url) failed: " + (detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail),
                                  timedOut: result == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = lintel_curl_get_response_code(handle, &status)
        return HTTPClientResponse(status: status, headers: exchange.headers, body: exchange.body)
    }
}

/// libcurl's process-wide initialization, done once before the first session.
enum Curl {
    static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()
}
