import Foundation
import Kernel

/// An address as typed, checked loosely (one `@`, something on both sides, a dot in the domain, no
/// spaces, at most 254 characters): the mail that follows is the real check.
struct RegisterBody: Decodable, Validatable {
    var email: String
    var password: String
    var passwordConfirm: String?
    var firstName: String?
    var lastName: String?

    func validate(_ errors: inout ValidationErrors) {
        if let problem = EmailAddress.problem(email) { errors.add("email", detail: problem) }
        if let confirm = passwordConfirm, confirm != password { errors.add("password_confirm", detail: "does not match password") }
        if (firstName ?? "").count > 150 { errors.add("first_name", detail: "must be at most 150 characters") }
        if (lastName ?? "").count > 150 { errors.add("last_name", detail: "must be at most 150 characters") }
    }
}

struct LoginBody: Decodable, Validatable {
    var email: String
    var password: String

    func validate(_ errors: inout ValidationErrors) {
        if let problem = EmailAddress.problem(email) { errors.add("email", detail: problem) }
        if password.isEmpty { errors.add("password", detail: "is required") }
        if password.utf8.count > 16_384 { errors.add("password", detail: "is too long") }
    }
}

struct RefreshBody: Decodable, Validatable {
    var refreshToken: String

    func validate(_ errors: inout ValidationErrors) {
        if refreshToken.isEmpty { errors.add("refresh_token", detail: "is required") }
    }
}

struct LogoutBody: Decodable {
    var refreshToken: String?
    var all: Bool?
}

struct TokenBody: Decodable, Validatable {
    var token: String

    func validate(_ errors: inout ValidationErrors) {
        if token.isEmpty { errors.add("token", detail: "is required") }
    }
}

struct EmailBody: Decodable, Validatable {
    var email: String

    func validate(_ errors: inout ValidationErrors) {
        if let problem = EmailAddress.problem(email) { errors.add("email", detail: problem) }
    }
}

struct ResetPasswordBody: Decodable, Validatable {
    var token: String
    var password: String
    var passwordConfirm: String?

    func validate(_ errors: inout ValidationErrors) {
        if token.isEmpty { errors.add("token", detail: "is required") }
        if let confirm = passwordConfirm, confirm != password { errors.add("password_confirm", detail: "does not match password") }
    }
}

struct ChangePasswordBody: Decodable, Validatable {
    var currentPassword: String
    var newPassword: String
    var newPasswordConfirm: String?

    func validate(_ errors: inout ValidationErrors) {
        if currentPassword.isEmpty { errors.add("current_password", detail: "is required") }
        if let confirm = newPasswordConfirm, confirm != newPassword { errors.add("new_password_confirm", detail: "does not match new_password") }
    }
}
