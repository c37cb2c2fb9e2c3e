import Kernel

/// The mails auth.local sends (Mustache; `{{{link}}}` unescaped in text, escaped in HTML).
enum LocalAuthMail {
    static let verifyEmail = "auth.verify_email"
    static let resetPassword = "auth.reset_password"
    static let alreadyRegistered = "auth.already_registered"
    static let accountLocked = "auth.account_locked"

    static let templates = [
        MailTemplate(verifyEmail, subject: "Verify your email address",
                     text: """
                        Hello {{name}},

                        Please confirm that this is your email address by opening this link:

                        {{{link}}}

                        The link works once and expires in {{hours}} hours. If you did not create an account, ignore this mail.
                        """,
                     html: "<p>Hello {{name}},</p><p>Please confirm that this is your email address: <a href=\"{{link}}\">verify my address</a>.</p><p>The link works once and expires in {{hours}} hours. If you did not create an account, ignore this mail.</p>"),
        MailTemplate(resetPassword, subject: "Reset your password",
                     text: """
                        Hello {{name}},

                        Someone (hopefully you) asked to reset the password of this account. Choose a new one here:

                        {{{link}}}

                        The link works once and expires in {{minutes}} minutes. If you did not ask, ignore this mail: your password stays as it is.
                        """,
                     html: "<p>Hello {{name}},</p><p>Someone (hopefully you) asked to reset the password of this account. <a href=\"{{link}}\">Choose a new password</a>.</p><p>The link works once and expires in {{minutes}} minutes. If you did not ask, ignore this mail.</p>"),
        MailTemplate(alreadyRegistered, subject: "You already have an account",
                     text: """
                        Hello {{name}},

                        Someone tried to create an account with this email address, which already has one. If it was you, sign in, or reset your password here:

                        {{{link}}}

                        If it was not you, ignore this mail.
                        """),
        MailTemplate(accountLocked, subject: "Sign-ins to your account were blocked",
                     text: """
                        Hello {{name}},

                        There were too many failed attempts to sign in to your account (from {{client}}). Sign-ins {{scope}} are blocked until {{until}} (UTC).

                        If this was not you, consider changing your password:

                        {{{link}}}
                        """),
    ]
}
