import CEL
import HTTPTypes
import Hummingbird
import NIOCore

/// The client's IP address: the TCP peer, unless the peer is a trusted proxy, in which case the first
/// address from the right of `X-Forwarded-For` that is not itself a trusted proxy.
enum ClientAddress {
    static func resolve(_ request: Request, peer: SocketAddress?, trusted: [IPAddressRange]) -> String {
        let peerAddress = peer?.ipAddress ?? "-"
        guard !trusted.isEmpty, let peerIP = IPAddress(peerAddress), trusted.contains(where: { $0.contains(peerIP) }) else { return peerAddress }
        let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for candidate in forwarded.reversed() {
            guard let ip = IPAddress(candidate) else { return peerAddress }
            if !trusted.contains(where: { $0.contains(ip) }) { return ip.description }
        }
        return forwarded.first.flatMap(IPAddress.init)?.description ?? peerAddress
    }
}

import Foundation
