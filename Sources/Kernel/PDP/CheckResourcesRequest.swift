import CEL
import Policy

/// A `POST /api/check/resources` request (`cerbos.request.v1.CheckResourcesRequest`), read and validated
/// as Cerbos does: every problem of a field is reported with its proto path and rule id.
struct CheckResourcesRequest {
    struct Entry {
        var actions: [String]
        var resource: CheckResource
        /// `{id, kind, policyVersion, scope}` as sent (absent and empty fields left out), echoed back.
        var echo: JSONValue
    }

    var requestID: String
    var includeMeta: Bool
    var principal: CheckPrincipal
    var entries: [Entry]

    init(json: JSONValue, limits: PDPSettings) throws(PDPError) {
        let root = try ProtoJSONReader(json, path: "", fields: ["requestId", "includeMeta", "principal", "resources", "auxData", "requestContext"])
        requestID = try root.string("requestId") ?? ""
        includeMeta = try root.bool("includeMeta") ?? false
        var violations = ProtoViolations()

        if let principalJSON = root.value("principal") {
            let reader = try ProtoJSONReader(principalJSON, path: "principal", fields: ["id", "policyVersion", "roles", "attr", "scope"])
            let id = try reader.string("id") ?? ""
            if id.isEmpty { violations.add("principal.id", "value length must be at least 1 characters", rule: "string.min_len") }
            let roles = try reader.strings("roles") ?? []
            if roles.isEmpty { violations.add("principal.roles", "value must contain at least 1 item(s)", rule: "repeated.min_items") }
            if Set(roles).count != roles.count { violations.add("principal.roles", "repeated value must contain unique items", rule: "repeated.unique") }
            for (index, role) in roles.enumerated() where role.isEmpty {
                violations.add("principal.roles[\(index)]", "value length must be at least 1 characters", rule: "string.min_len")
            }
            let attributes = try reader.map("attr") ?? [:]
            Self.checkKeys(attributes, field: "principal.attr", &violations)
            let version = try reader.string("policyVersion") ?? ""
            Self.checkVersion(version, field: "principal.policy_version", &violations)
            let scope = try reader.string("scope") ?? ""
            Self.checkScope(scope, field: "principal.scope", &violations)
            principal = CheckPrincipal(id: id, roles: roles, attributes: JSONValue.celMap(attributes), policyVersion: version, scope: scope)
        } else {
            violations.add("principal", "value is required", rule: "required")
            principal = CheckPrincipal(id: "", roles: [])
        }

        let resources = try root.list("resources") ?? []
        if resources.isEmpty { violations.add("resources", "value must contain at least 1 item(s)", rule: "repeated.min_items") }
        if resources.count > limits.maxResources {
            throw .invalid("number of resources in batch (\(resources.count)) exceeds configured limit (\(limits.maxResources))")
        }
        var entries: [Entry] = []
        for (index, item) in resources.enumerated() {
            let path = "resources[\(index)]"
            let reader = try ProtoJSONReader(item, path: path, fields: ["actions", "resource"])
            let actions = try reader.strings("actions") ?? []
            if actions.isEmpty { violations.add("\(path).actions", "value must contain at least 1 item(s)", rule: "repeated.min_items") }
            if actions.count > limits.maxActions {
                throw .invalid("number of actions (\(actions.count)) exceeds configured limit (\(limits.maxActions))")
            }
            if Set(actions).count != actions.count { violations.add("\(path).actions", "repeated value must contain unique items", rule: "repeated.unique") }
            for (actionIndex, action) in actions.enumerated() where action.isEmpty {
                violations.add("\(path).actions[\(actionIndex)]", "value length must be at least 1 characters", rule: "string.min_len")
            }
            guard let resourceJSON = reader.value("resource") else {
                violations.add("\(path).resource", "value is required", rule: "required")
                continue
            }
            let resourceReader = try ProtoJSONReader(resourceJSON, path: "\(path).resource", fields: ["kind", "policyVersion", "id", "attr", "scope"])
            let kind = try resourceReader.string("kind") ?? ""
            if kind.isEmpty { violations.add("\(path).resource.kind", "value length must be at least 1 characters", rule: "string.min_len") }
            let id = try resourceReader.string("id") ?? ""
            if id.isEmpty { violations.add("\(path).resource.id", "value length must be at least 1 characters", rule: "string.min_len") }
            let attributes = try resourceReader.map("attr") ?? [:]
            Self.checkKeys(attributes, field: "\(path).resource.attr", &violations)
            let version = try resourceReader.string("policyVersion") ?? ""
            Self.checkVersion(version, field: "\(path).resource.policy_version", &violations)
            let scope = try resourceReader.string("scope") ?? ""
            Self.checkScope(scope, field: "\(path).resource.scope", &violations)
            var echo: [String: JSONValue] = [:]
            if !id.isEmpty { echo["id"] = .string(id) }
            if !kind.isEmpty { echo["kind"] = .string(kind) }
            if !version.isEmpty { echo["policyVersion"] = .string(version) }
            if !scope.isEmpty { echo["scope"] = .string(scope) }
            entries.append(Entry(actions: actions, resource: CheckResource(kind: kind, id: id, attributes: JSONValue.celMap(attributes),
                                                                          policyVersion: version, scope: scope), echo: .object(echo)))
        }

        if let auxData = root.value("auxData") {
            let reader = try ProtoJSONReader(auxData, path: "auxData", fields: ["jwt", "jwts"])
            if reader.value("jwt") != nil || reader.value("jwts") != nil {
                // Cerbos verifies the token against configured key sets; this PDP has none.
                throw .invalid("invalid auxData: no JWT key sets are configured on this PDP")
            }
        }
        // requestContext only annotates audit logs: it must be an object and is otherwise ignored.
        _ = try root.map("requestContext")
        try violations.check()
        self.entries = entries
    }

    private static func checkKeys(_ attributes: [String: JSONValue], field: String, _ violations: inout ProtoViolations) {
        if attributes.keys.contains("") { violations.add(field, "map key length must be at least 1 characters", rule: "string.min_len") }
    }

    /// `^\w*$`.
    private static func checkVersion(_ version: String, field: String, _ violations: inout ProtoViolations) {
        if !version.unicodeScalars.allSatisfy(isWordCharacter) {
            violations.add(field, "value does not match regex pattern `^\\w*$`", rule: "string.pattern")
        }
    }

    /// `^(^$|\.|[0-9a-zA-Z][\w\-]*(\.\w[\w\-]*)*)$`.
    private static func checkScope(_ scope: String, field: String, _ violations: inout ProtoViolations) {
        if !isValidScope(scope) {
            violations.add(field, "value does not match regex pattern `^(^$|\\.|[0-9a-zA-Z][\\w\\-]*(\\.\\w[\\w\\-]*)*)$`", rule: "string.pattern")
        }
    }

    static func isValidScope(_ scope: String) -> Bool {
        if scope.isEmpty || scope == "." { return true }
        let segments = scope.split(separator: ".", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            guard let first = segment.unicodeScalars.first else { return false }
            let firstOK = index == 0 ? isWordCharacter(first) && first != "_" : isWordCharacter(first)
            guard firstOK, segment.unicodeScalars.allSatisfy({ isWordCharacter($0) || $0 == "-" }) else { return false }
        }
        return true
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
    }
}

extension CheckResourcesRequest {
    /// The `CheckResourcesResponse` for `results` (one per entry, in order).
    func response(_ results: [CheckResult], callID: String) -> JSONValue {
        var rendered: [JSONValue] = []
        for (entry, result) in zip(entries, results) {
            var object: [String: JSONValue] = ["resource": entry.echo]
            var effects: [String: JSONValue] = [:]
            for decision in result.actions { effects[decision.action] = .string(decision.effect.rawValue) }
            object["actions"] = .object(effects)
            if !result.validationErrors.isEmpty {
                object["validationErrors"] = .array(result.validationErrors.map {
                    ["path": .string($0.path), "message": .string($0.message), "source": .string($0.source.rawValue)]
                })
            }
            if !result.outputs.isEmpty {
                object["outputs"] = .array(result.outputs.map { output in
                    var item: [String: JSONValue] = ["src": .string(output.source), "action": .string(output.action)]
                    if let error = output.error { item["error"] = .string(error) }
                    if let value = output.value { item["val"] = JSONValue(cel: value) }
                    return .object(item)
                })
            }
            if includeMeta {
                var actions: [String: JSONValue] = [:]
                for decision in result.actions {
                    var meta: [String: JSONValue] = ["matchedPolicy": .string(decision.policy)]
                    if !decision.scope.isEmpty { meta["matchedScope"] = .string(decision.scope) }
                    actions[decision.action] = .object(meta)
                }
                var meta: [String: JSONValue] = ["actions": .object(actions)]
                if !result.effectiveDerivedRoles.isEmpty { meta["effectiveDerivedRoles"] = .array(result.effectiveDerivedRoles.map { .string($0) }) }
                object["meta"] = .object(meta)
            }
            rendered.append(.object(object))
        }
        var response: [String: JSONValue] = ["results": .array(rendered), "cerbosCallId": .string(callID)]
        if !requestID.isEmpty { response["requestId"] = .string(requestID) }
        return .object(response)
    }
}
