import Kernel

/// The problems tenancy answers with, besides the Kernel's.
enum TenancyProblem {
    enum Limited: String, Sendable { case users, teams }

    /// 409: a unique name, slug or membership exists already.
    static func taken(_ field: String, _ detail: String) -> Problem {
        var problem = Problem.conflict(detail)
        problem.errors = [FieldError(pointer: "/\(field)", detail: detail)]
        return problem
    }

    /// 422 on one field.
    static func invalid(_ field: String, _ detail: String) -> Problem {
        Problem.validation([FieldError(pointer: "/\(field)", detail: detail)], detail: detail)
    }

    /// 409 `license-limit`: the org's tier allows no more users or teams.
    static func limitReached(_ what: Limited, tier: String, maximum: Int, current: Int) -> Problem {
        Problem(status: .conflict, type: Problem.typeURI("license-limit"), title: "License Limit Reached",
                detail: "The \(tier) tier allows \(maximum) \(maximum == 1 ? String(what.rawValue.dropLast()) : what.rawValue); this organization has \(current). Upgrade the license to add more.",
                extensions: ["limit": .string(what.rawValue), "tier": .string(tier), "maximum": .int(maximum), "current": .int(current)])
    }

    /// 404 for an id that names nothing (or nothing the caller may know of).
    static func notFound(_ kind: String, _ id: String) -> Problem {
        Problem.notFound("No \(kind) with id '\(id)' exists.")
    }
}
