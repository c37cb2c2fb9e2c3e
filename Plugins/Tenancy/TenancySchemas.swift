import Kernel

/// The OpenAPI schemas of the tenancy API's bodies.
enum TenancySchemas {
    static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    static let nullableTimestamp: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    static let uuid = TenancyAPI.uuid
    static let string = TenancyAPI.string
    static let strings = TenancyAPI.strings

    static let all: JSONValue = [
        "Organization": TenancyAPI.object([
            "id": uuid, "name": string, "slug": string, "status": ["type": "string", "enum": ["active", "suspended"]], "license_tier": string,
            "features": strings, "custom_features": strings, "created_at": timestamp, "updated_at": timestamp, "deleted_at": nullableTimestamp,
            "member_count": ["type": "integer"], "team_count": ["type": "integer"],
        ], required: ["id", "name", "slug", "status", "license_tier", "features"]),
        "Team": TenancyAPI.object([
            "id": uuid, "org_id": uuid, "name": string, "description": string, "created_at": timestamp, "updated_at": timestamp,
        ], required: ["id", "org_id", "name"]),
        "Membership": TenancyAPI.object([
            "id": uuid, "user_id": uuid, "org_id": uuid, "team_id": ["type": ["string", "null"], "format": "uuid"], "roles": strings,
            "created_at": timestamp, "updated_at": timestamp,
            "user": TenancyAPI.object(["id": uuid, "email": string, "first_name": string, "last_name": string, "name": string, "status": string]),
        ], required: ["id", "user_id", "org_id", "roles"]),
        "User": TenancyAPI.object([
            "id": uuid, "email": string, "first_name": string, "last_name": string, "name": string,
            "status": ["type": "string", "enum": ["active", "invited", "deactivated"]], "platform_roles": strings, "email_verified": ["type": "boolean"],
            "created_at": timestamp, "last_login_at": nullableTimestamp, "org_ids": ["type": "array", "items": uuid],
        ], required: ["id", "email", "status", "platform_roles"]),
        "License": TenancyAPI.licenseSchema,
    ]
}
