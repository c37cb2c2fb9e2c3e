import Foundation
import HTTPTypes
import Hummingbird
@testable import Kernel
import Testing

@Suite("route table")
struct RouteTableTests {
    private func table(_ templates: [String]) -> RouteTable<String> {
        var table = RouteTable<String>()
        for template in templates { table.update(template, make: { template }) { _ in } }
        return table
    }

    private func resolve(_ table: RouteTable<String>, _ path: String) -> (String, [String: String])? {
        guard let (template, parameters) = table.resolve(path) else { return nil }
        var captured: [String: String] = [:]
        for (name, value) in parameters.all { captured[name] = value }
        return (template, captured)
    }

    @Test func capturesWholeSegmentsAsSlicesOfThePath() throws {
        let routes = table(["/api/v1/orgs/{id}/license", "/api/v1/orgs/{id}/teams/{team_id}/members", "/healthz"])
        let license = try #require(resolve(routes, "/api/v1/orgs/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/license"))
        #expect(license.0 == "/api/v1/orgs/{id}/license")
        #expect(license.1 == ["id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"])
        let members = try #require(resolve(routes, "/api/v1/orgs/a/teams/b/members"))
        #expect(members.0 == "/api/v1/orgs/{id}/teams/{team_id}/members")
        #expect(members.1 == ["id": "a", "team_id": "b"])
        #expect(resolve(routes, "/healthz")?.1 == [:])
    }

    @Test func parametersReadAsHummingbirdsDo() throws {
        enum Tab: String { case members, teams }
        let routes = table(["/orgs/{id}/{tab}/{page}"])
        let parameters = try #require(routes.resolve("/orgs/0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B/teams/3")).parameters
        #expect(parameters.get("tab") == "teams")
        #expect(parameters["page"] == "3")
        #expect(parameters.has("id") && !parameters.has("team_id"))
        #expect(parameters.get("page", as: Int.self) == 3)
        #expect(parameters.get("tab", as: Tab.self) == .teams)
        #expect(parameters.get("id", as: UUID.self) == UUID(uuidString: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
        #expect(try parameters.require("page", as: Int.self) == 3)
        #expect(parameters.get("tab", as: Int.self) == nil)
        // A segment that is not of the type: no resource is at that path.
        let notANumber = #expect(throws: Problem.self) { try parameters.require("tab", as: Int.self) }
        #expect(notANumber?.status == .notFound)
        #expect(notANumber?.detail == "'teams' is not a valid tab; no resource exists at this path.")
        #expect(throws: Problem.self) { try parameters.require("page", as: UUID.self) }
        // A name the template does not have is the handler's mistake, not the client's.
        #expect(throws: MissingRouteParameter.self) { try parameters.require("team_id") }
    }

    @Test func onlyWholePathsMatch() {
        let routes = table(["/api/v1/orgs/{id}/license"])
        #expect(resolve(routes, "/api/v1/orgs/x") == nil)
        #expect(resolve(routes, "/api/v1/orgs/x/license/more") == nil)
        #expect(resolve(routes, "/api/v1/orgs/x/licens") == nil)
        #expect(resolve(routes, "/api/v1/orgs/x/licensE") == nil)
        #expect(resolve(routes, "/") == nil)
        #expect(resolve(routes, "") == nil)
    }

    @Test func emptySegmentsAreIgnoredAsHummingbirdDoes() {
        let routes = table(["/", "/api/v1/orgs/{id}"])
        #expect(resolve(routes, "//api//v1/orgs/x/")?.1 == ["id": "x"])
        #expect(resolve(routes, "/")?.0 == "/")
        #expect(resolve(routes, "///")?.0 == "/")
    }

    @Test func aConstantIsPreferredAndTheCaptureTriedWhenItLeadsNowhere() {
        let routes = table(["/users/{id}", "/users/invite", "/users/{id}/memberships", "/users/invite/accept"])
        #expect(resolve(routes, "/users/invite")?.0 == "/users/invite")
        #expect(resolve(routes, "/users/invite/accept")?.0 == "/users/invite/accept")
        let backtracked = resolve(routes, "/users/invite/memberships")
        #expect(backtracked?.0 == "/users/{id}/memberships")
        #expect(backtracked?.1 == ["id": "invite"])
        #expect(resolve(routes, "/users/ada")?.1 == ["id": "ada"])
    }

    @Test func constantsCompareByteForByte() {
        // "K" and the Kelvin sign, "é" and "e" + combining acute: equal as Swift strings, not as bytes.
        let routes = table(["/Kelvin/caf\u{E9}"])
        #expect(resolve(routes, "/Kelvin/caf\u{E9}") != nil)
        #expect(resolve(routes, "/\u{212A}elvin/caf\u{E9}") == nil)
        #expect(resolve(routes, "/Kelvin/cafe\u{301}") == nil)
    }

    @Test func capturedTextMayBeAnyUTF8() throws {
        let routes = table(["/files/{name}/raw"])
        let found = try #require(resolve(routes, "/files/na\u{EF}ve%20caf\u{E9}/raw"))
        #expect(found.1 == ["name": "na\u{EF}ve%20caf\u{E9}"])
    }

    @Test func updatingATemplateChangesItsOneValue() {
        var routes = RouteTable<[String]>()
        routes.update("/a/{x}", make: { [] }) { $0.append("GET") }
        routes.update("/a/{x}", make: { [] }) { $0.append("POST") }
        routes.update("/a/{x}/", make: { [] }) { $0.append("PUT") }
        #expect(routes.resolve("/a/1")?.value == ["GET", "POST", "PUT"])
        #expect(routes.values.count == 1)
    }

    private func entry(_ method: HTTPRequest.Method, _ path: String, _ owner: String = "test.plugin") -> RouteEntry {
        RouteEntry(owner: owner, method: method, path: path, operation: Operation("t", tags: [], access: .public, responses: [:]))
    }

    private func bootError(_ entries: [RouteEntry]) -> String? {
        do { try Kernel.checkConflicts(entries); return nil } catch { return "\(error)" }
    }

    @Test func malformedTemplatesStopTheKernelNamingTheRouteAndTheFix() {
        #expect(bootError([entry(.get, "/a/{id}/b"), entry(.post, "/a/{id}/b"), entry(.get, "/a/{team_id2}")]) == nil)
        #expect(bootError([entry(.get, "/a/:id")]) == "test.plugin registers GET /a/:id: ':id': write a parameter as {id}")
        #expect(bootError([entry(.get, "/files/*")]) == "test.plugin registers GET /files/*: '*': wildcard segments are not supported")
        for bad in ["/a/{id}.json", "/a/{}", "/a/{i-d}", "/a/x{id}", "/a/{id"] {
            #expect(bootError([entry(.get, bad)])?.contains("a parameter is a whole segment, {name} with letters, digits and _") == true, "\(bad)")
        }
    }

    @Test func onePathHasOneSetOfParameterNames() {
        let error = bootError([entry(.get, "/orgs/{id}", "tenancy"), entry(.put, "/orgs/{org_id}", "other.plugin")])
        #expect(error == "other.plugin registers PUT /orgs/{org_id}: GET /orgs/{id} (tenancy) matches the same paths with other parameter names; use the same names")
        #expect(bootError([entry(.get, "/orgs/{id}"), entry(.get, "/orgs/{org_id}/teams")]) == nil)
        #expect(bootError([entry(.get, "/orgs/{id}", "a"), entry(.get, "/orgs/{id}", "b")]) == "GET /orgs/{id} is registered by more than one owner: a, b")
    }
}
