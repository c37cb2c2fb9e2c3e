import Foundation
import Kernel

/// `plugin auth.keycloak { … }`: access tokens issued by a Keycloak realm (or any OIDC provider that
/// publishes a discovery document and a JWKS).
public struct KeycloakSettings: BlockSettings {
    public var serverURL: URL
    public var realm: String
    public var clientID: String
    public var audience: String
    public var acceptAuthorizedParty: Bool
    public var mfaACRValues: [String]
    public var keyRefreshInterval: Duration
    public var unknownKeyRefreshSpacing: Duration
    public var timeout: Duration
    public var userCheckInterval: Duration

    public init(from reader: SettingsReader) {
        serverURL = reader.required("server_url", doc: "Keycloak's base URL (KEYCLOAK_SERVER_URL), e.g. https://sso.example.com.")
        realm = reader.value("realm", default: "app", doc: "The realm (KEYCLOAK_REALM); the issuer is {server_url}/realms/{realm}.",
                             check: { $0.isEmpty || $0.contains("/") ? "must be a realm name" : nil })
        clientID = reader.value("client_id", default: "api", doc: "This API's client (KEYCLOAK_CLIENT_ID): its client roles are read from resource_access.")
        audience = reader.value("audience", default: clientID, doc: "The `aud` tokens must carry (KEYCLOAK_AUDIENCE; default the client id).")
        acceptAuthorizedParty = reader.value("accept_azp", default: false,
                                             doc: "Also accept tokens whose `azp` is the audience (Keycloak clients without an audience mapper).")
        mfaACRValues = reader.list("mfa_acr", default: ["urn:keycloak:acr:mfa", "urn:keycloak:acr:2fa"],
                                   doc: "`acr` values that mean the user passed a second factor (MFA_ACR_VALUES).")
        keyRefreshInterval = reader.value("key_refresh_interval", default: .seconds(600), doc: "How often the realm's keys are fetched again.",
                                          check: { $0 >= .seconds(10) ? nil : "must be at least 10s" })
        unknownKeyRefreshSpacing = reader.value("unknown_key_refresh_spacing", default: .seconds(30),
                                                doc: "Least time between two fetches caused by tokens with an unknown `kid` (so bogus kids cannot hammer Keycloak).")
        timeout = reader.value("timeout", default: .seconds(5), doc: "Longest a discovery or key fetch may take.")
        userCheckInterval = reader.value("user_check_interval", default: .seconds(5),
                                         doc: "How long a process trusts that a token's user is still active (a deactivation reaches every process within it).")
    }

    /// `{server_url}/realms/{realm}`: the exact `iss` of the realm's tokens.
    public var issuer: String {
        serverURL.absoluteString.trimmingSuffix("/") + "/realms/" + realm
    }
}
