/// Decisions the embedded engine already made, by everything a decision depends on: the policy set's
/// generation, the principal (a cached identity's id, roles and attribute object), the resource's kind,
/// id and attributes, and the actions. A decision is a pure function of these unless a condition read the
/// clock (`now()`, `timeSince()`), so those, and any that met a schema or evaluation error (which must be
/// logged each time), are never remembered; nor are checks whose text is not plain ASCII (the key's
/// equality must be the engine's byte equality, see `comparesExactly`). A replaced policy set starts a
/// new generation, so nothing decided under the old one is found again.
final class DecisionMemo: Sendable {
    struct Key: Hashable, Sendable {
        let generation: Int
        let attributes: ObjectIdentifier
        let principalID: String
        let roles: [String]
        let kind: String
        let resourceID: String
        let resourceAttributes: [String: JSONValue]
        let actions: [String]

        /// Everything but the resource's attributes, which equality compares: hashing a dictionary hashes
        /// each member with a hasher of its own, and checks of one resource by one principal rarely differ
        /// only there.
        func hash(into hasher: inout Hasher) {
            hasher.combine(generation)
            hasher.combine(attributes)
            hasher.combine(principalID)
            hasher.combine(roles)
            hasher.combine(kind)
            hasher.combine(resourceID)
            hasher.combine(resourceAttributes.count)
            hasher.combine(actions)
        }
    }

    private struct Entry: Sendable {
        /// Keeps the principal's attribute object alive while its identifier is part of a key.
        let attributes: ConvertedAttributes
        let decisions: [AuthorizationDecision]
    }

    private let entries = BoundedMemo<Key, Entry>(capacity: 8192)

    /// The key for this check, or `nil` when the principal was made on the spot (nothing to find again) or
    /// some part of the check would not compare byte for byte (`comparesExactly`).
    func key(generation: Int, principal: PolicyPrincipal, resource: ResourceRef, actions: [String]) -> (Key, ConvertedAttributes)? {
        guard let attributes = principal.sharedAttributes, principal.id.comparesExactly, principal.roles.comparesExactly,
              resource.kind.comparesExactly, resource.id.comparesExactly, actions.comparesExactly,
              JSONValue.comparesExactly(resource.attributes) else { return nil }
        return (Key(generation: generation, attributes: ObjectIdentifier(attributes), principalID: principal.id, roles: principal.roles,
                    kind: resource.kind, resourceID: resource.id, resourceAttributes: resource.attributes, actions: actions), attributes)
    }

    func decisions(for key: Key) -> [AuthorizationDecision]? { entries[key]?.decisions }

    func remember(_ decisions: [AuthorizationDecision], for key: Key, attributes: ConvertedAttributes) {
        entries.remember(Entry(attributes: attributes, decisions: decisions), for: key)
    }

    var count: Int { entries.count }
}
