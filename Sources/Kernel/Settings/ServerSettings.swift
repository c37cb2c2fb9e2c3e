/// The `server` block: where and how the HTTP server listens.
public struct ServerSettings: BlockSettings {
    public var listen: HostPort
    public var publicURL: URL
    public var maxBodySize: ByteSize
    public var allowedHosts: [String]
    public var shutdownTimeout: Swift.Duration

    public init(from reader: SettingsReader) {
        listen = reader.value("listen", default: HostPort(host: "127.0.0.1", port: 8000),
                              doc: "Address and port the API listens on.")
        publicURL = reader.value("public_url", default: URL(string: "http://localhost:8000")!,
                                 doc: "The URL clients use to reach this server (links in emails, OpenAPI servers).")
        maxBodySize = reader.value("max_body_size", default: .megabytes(2),
                                   doc: "Largest request body accepted; larger bodies get 413.",
                                   check: { $0.bytes >= 1024 && $0.bytes <= 1 << 32 ? nil : "must be between 1KB and 4GiB" })
        allowedHosts = reader.list("allowed_hosts", default: ["localhost", "127.0.0.1", "::1"],
                                   doc: "Host header values accepted (DJANGO_ALLOWED_HOSTS); '*' accepts any, '.example.com' a domain and its subdomains.")
        shutdownTimeout = reader.value("shutdown_timeout", default: .seconds(30),
                                       doc: "How long a graceful shutdown waits for in-flight requests.")
        if reader.environmentName == "production", allowedHosts.contains("*") {
            reader.fail("allowed_hosts", "refusing '*' in allowed_hosts in production",
                        help: "list the host names this server answers to (DJANGO_ALLOWED_HOSTS)")
        }
    }
}

import Foundation
