import NIOPosix

/// Threads for blocking network calls (libcurl's HTTP and SMTP conversations), apart from NIO's shared
/// blocking pool: that pool has one thread per core and also hashes passwords, so a burst of logins would
/// otherwise hold up a remote Cerbos check, a JWKS refresh or a mail, and a few slow peers would hold up
/// everything else. The calls here mostly wait on sockets, so there are more threads than cores; each
/// call's own timeout bounds how long it holds one.
enum NetworkThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        return pool
    }()
}
