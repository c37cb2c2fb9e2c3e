// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Lintel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lintel", targets: ["lintel"]),
        .library(name: "Kernel", targets: ["Kernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        .target(name: "CEL"),
        .target(
            name: "Policy",
            dependencies: ["CEL", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Kernel",
            dependencies: [
                "CEL",
                "Policy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                "CCurl",
            ],
            swiftSettings: callerIsolated
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CArgon2",
            path: "Sources/CArgon2",
            pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        // Plugins import Kernel (and the libraries the Kernel's API is made of), never each other. auth.*
        // also needs what only it uses: libargon2, JWT signing and verification, RSA key generation.
        .target(
            name: "Tenancy",
            dependencies: ["Kernel", .product(name: "SQLKit", package: "sql-kit")],
            path: "Plugins/Tenancy",
            swiftSettings: callerIsolated
        ),
        .target(
            name: "Auth",
            dependencies: [
                "Kernel",
                "CArgon2",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Plugins/Auth",
            swiftSettings: callerIsolated
        ),
        .target(
            name: "Audit",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Plugins/Audit",
            swiftSettings: callerIsolated
        ),
        .target(
            name: "LintelCLI",
            dependencies: [
                "Kernel",
                "Policy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "LintelPlugins",
            dependencies: ["Kernel", "Tenancy", "Auth", "Audit"]
        ),
        .executableTarget(
            name: "lintel",
            dependencies: ["LintelCLI", "LintelPlugins"]
        ),
        .executableTarget(
            name: "lintel-bench",
            dependencies: [
                "Kernel",
                "Audit",
                "Policy",
                "CEL",
                "LintelPlugins",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/lintel-bench"
        ),
        .target(
            name: "FixturePlugins",
            dependencies: ["Kernel"],
            path: "Tests/Fixtures/FixturePlugins"
        ),
        .executableTarget(
            name: "lintel-fixture",
            dependencies: ["Kernel", "LintelCLI", "FixturePlugins"],
            path: "Tests/Fixtures/lintel-fixture"
        ),
        .target(
            name: "LintelTesting",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "KernelTests",
            dependencies: [
                "Kernel",
                "Policy",
                "LintelTesting",
                "FixturePlugins",
                "lintel-fixture",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth",
                "Tenancy",
                "Kernel",
                "LintelTesting",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .target(
            name: "SiteTesting",
            dependencies: [
                "Tenancy",
                "Auth",
                "Kernel",
                "LintelTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/SiteSupport"
        ),
        .testTarget(
            name: "TenancyTests",
            dependencies: [
                "Tenancy",
                "Auth",
                "Kernel",
                "LintelTesting",
                "SiteTesting",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: [
                "Audit",
                "Tenancy",
                "Auth",
                "Kernel",
                "LintelTesting",
                "SiteTesting",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "CELTests",
            dependencies: ["CEL"]
        ),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["Policy", "CEL"]
        ),
        .testTarget(
            name: "LintelTests",
            dependencies: ["lintel", "LintelPlugins", "Kernel", "LintelTesting"]
        ),
    ]
)

/// Async functions run on their caller's executor (SE-0461) rather than first switching to the global one:
/// every nonisolated async call on a request's path otherwise checks for an executor hop.
var callerIsolated: [SwiftSetting] { [.enableUpcomingFeature("NonisolatedNonsendingByDefault")] }
