import CryptoExtras
import Foundation
import Kernel
import Logging
import Synchronization

/// A realm's signing keys, fetched from the `jwks_uri` of its discovery document and swapped in whole.
/// Fetched at start, every `keyRefreshInterval`, and when a token names a `kid` not seen yet — at most
/// once per `unknownKeyRefreshSpacing`, one fetch at a time, so a flood of bogus kids costs Keycloak
/// nothing. Only RSA keys for signing with RS256 are kept (Keycloak also publishes encryption keys).
final class RealmKeys: Sendable {
    private struct State {
        var keys: [String: SigningKey] = [:]
        /// The last fetch an unknown `kid` caused (scheduled fetches do not count against the spacing).
        var lastUnknownKeyFetch: ContinuousClock.Instant?
        var lastSuccess: Date?
        var lastError: String?
        /// When fetches started failing (cleared by a success).
        var failingSince: Date?
        var fetching: Task<Void, Never>?
    }

    let issuer: String
    let client: HTTPClient
    let timeout: Duration
    let spacing: Duration
    let logger: Logger
    private let state = Mutex(State())

    init(issuer: String, timeout: Duration, spacing: Duration, logger: Logger) {
        self.issuer = issuer
        self.timeout = timeout
        self.spacing = spacing
        self.logger = logger
        client = HTTPClient(maxResponseSize: 1 << 20)
    }

    /// The key named `kid`; an unknown one triggers a (rate-limited, shared) fetch first.
    func key(_ kid: String) async throws(TokenRejection) -> SigningKey {
        if let key = state.withLock({ $0.keys[kid] }) { return key }
        await refresh(force: false)
        if let key = state.withLock({ $0.keys[kid] }) { return key }
        throw state.withLock { $0.lastSuccess == nil } ? .keysUnavailable : .unknownKey
    }

    /// Whether the realm still publishes `kid` (as of the last fetch).
    func knows(_ kid: String) -> Bool { state.withLock { $0.keys[kid] != nil } }

    /// Fetches the keys (`force`), or for an unknown `kid` unless such a fetch ran less than `spacing` ago;
    /// concurrent callers share one fetch.
    func refresh(force: Bool) async {
        let task = state.withLock { state -> Task<Void, Never>? in
            if let running = state.fetching { return running }
            if !force {
                if let last = state.lastUnknownKeyFetch, ContinuousClock.now - last < spacing { return nil }
                state.lastUnknownKeyFetch = .now
            }
            let task = Task { await self.fetch() }
            state.fetching = task
            return task
        }
        await task?.value
    }

    /// What readiness reports: when the keys were last fetched, or why not.
    var health: (fetchedAt: Date?, error: String?) { state.withLock { ($0.lastSuccess, $0.lastError) } }

    /// Why and since when fetching the keys fails, while it does.
    var failure: (error: String, since: Date)? {
        state.withLock { state in state.lastError.flatMap { error in state.failingSince.map { (error, $0) } } }
    }

    private func fetch() async {
        do {
            let keys = try await download()
            state.withLock { state in
                state.keys = keys
                state.lastSuccess = Date()
                state.lastError = nil
                state.failingSince = nil
                state.fetching = nil
            }
            logger.debug("realm keys fetched", metadata: ["keys": .string(keys.keys.sorted().joined(separator: ","))])
        } catch {
            state.withLock { state in
                state.lastError = "\(error)"
                state.failingSince = state.failingSince ?? Date()
                state.fetching = nil
            }
            logger.error("fetching the realm's keys failed", metadata: ["issuer": .string(issuer), "error": "\(error)"])
        }
    }

    struct FetchError: Error, CustomStringConvertible {
        let description: String
    }

    private func download() async throws -> [String: SigningKey] {
        let discovery = try await json(issuer + "/.well-known/openid-configuration")
        // OIDC Discovery §4.3: the document must name exactly the issuer it was fetched for.
        guard discovery["issuer"]?.stringValue == issuer else {
            throw FetchError(description: "the discovery document names issuer \(discovery["issuer"]?.stringValue ?? "none"), expected \(issuer)")
        }
        guard let jwksURI = discovery["jwks_uri"]?.stringValue, jwksURI.hasPrefix("https://") || jwksURI.hasPrefix("http://") else {
            throw FetchError(description: "the discovery document has no jwks_uri")
        }
        let jwks = try await json(jwksURI)
        var keys: [String: SigningKey] = [:]
        for jwk in jwks["keys"]?.arrayValue ?? [] {
            guard jwk["kty"]?.stringValue == "RSA", (jwk["use"]?.stringValue ?? "sig") == "sig", (jwk["alg"]?.stringValue ?? "RS256") == "RS256",
                  let kid = jwk["kid"]?.stringValue, !kid.isEmpty,
                  let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode), let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode),
                  let publicKey = try? _RSA.Signing.PublicKey(n: n, e: e), publicKey.keySizeInBits >= 2048 else { continue }
            keys[kid] = try await SigningKey(kid: kid, publicKey: publicKey)
        }
        guard !keys.isEmpty else { throw FetchError(description: "the JWKS at \(jwksURI) has no RS256 signing key") }
        return keys
    }

    private func json(_ url: String) async throws -> JSONValue {
        let response = try await client.send(HTTPClientRequest(url: url, headers: [("Accept", "application/json")], timeout: timeout))
        guard response.status == 200 else { throw FetchError(description: "GET \(url) answered \(response.status)") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)), value.objectValue != nil else {
            throw FetchError(description: "GET \(url) did not answer a JSON object")
        }
        return value
    }
}
