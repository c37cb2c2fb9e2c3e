import Foundation
import Kernel
import SQLKit

/// auth.local's commands: signing keys and the first platform admin.
extension LocalAuthPlugin {
    public static let commands = [
        PluginCommand(["keys", "rotate"], abstract: "Start signing with a new key; the old one stays published until its tokens expire.") { invocation in
            let service = try Self.service(invocation)
            let kid = try await service.keys.rotate()
            invocation.output("New signing key \(kid). Retired keys stay in /.well-known/jwks.json for \(service.settings.keyRetention); running servers pick the new key up within a minute.")
        },
        PluginCommand(["keys", "list"], abstract: "List the signing keys: which one signs, which are retired and until when they verify.") { invocation in
            let service = try Self.service(invocation)
            for key in try await service.keys.list() {
                let state = key.retiredAt.map { "retired \($0.iso8601), verifies until \($0.addingTimeInterval(service.settings.keyRetention.seconds).iso8601)" } ?? "signing"
                invocation.output("\(key.kid)  created \(key.createdAt.iso8601)  \(state)")
            }
        },
        PluginCommand(["createsuperuser"], abstract: "Create a verified platform admin (asks for what the flags do not give).",
                      usage: "[--email <address>] [--password-stdin] [--first-name <name>] [--last-name <name>]") { invocation in
            try await Self.service(invocation).createSuperuser(invocation)
        },
    ]

    static func service(_ invocation: PluginCommandInvocation) throws -> LocalAuthService {
        guard let plugin = invocation.plugin as? LocalAuthPlugin else { throw PluginCommandError("auth.local is not running") }
        return plugin.service
    }
}

extension LocalAuthService {
    func createSuperuser(_ invocation: PluginCommandInvocation) async throws {
        guard let email = (invocation.option("email") ?? invocation.prompt("Email address: ", false)).map(EmailAddress.normalize) else {
            throw PluginCommandError("an email address is needed (--email)")
        }
        if let problem = EmailAddress.problem(email) { throw PluginCommandError("the email address \(problem)") }
        let password: String?
        if invocation.flag("password-stdin") {
            password = readLine(strippingNewline: true)
        } else {
            let first = invocation.prompt("Password: ", true)
            let second = invocation.prompt("Password (again): ", true)
            guard first == second else { throw PluginCommandError("the passwords do not match") }
            password = first
        }
        guard let password, !password.isEmpty else { throw PluginCommandError("a password is needed (type it, or pipe it with --password-stdin)") }
        if let problem = passwordPolicy.problem(with: password, email: email) { throw PluginCommandError("the password \(problem)") }
        let hash = try await hasher.hash(password)
        let new = NewUserAccount(email: email, firstName: invocation.option("first-name") ?? "", lastName: invocation.option("last-name") ?? "",
                                 platformRoles: ["platform_admin", "user"], emailVerified: true)
        let directory = directory
        let user = try await database.transaction { sql -> UserAccount in
            let user: UserAccount
            do {
                user = try await directory.createUser(new, origin: EventOrigin(actorID: "cli"), in: sql)
            } catch DirectoryError.emailTaken {
                throw PluginCommandError("an account with the address \(email) exists already")
            }
            try await sql.raw("""
                INSERT INTO auth_passwords (user_id, password_hash, changed_at) VALUES (\(bind: user.id), \(bind: hash), \(bind: Date()))
                """).run()
            return user
        }
        invocation.output("Created platform admin \(user.email) (\(user.id.lowercasedString)).")
    }
}
