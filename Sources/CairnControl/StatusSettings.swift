import CairnCore

/// The local status server: the page, `/metrics`, `/healthz` and `/api/status`.
public struct StatusSettings: Equatable {
    /// Address literal and port to listen on; nil: off.
    public var listen: Listen? = Listen(address: "127.0.0.1", port: StatusSettings.defaultPort)
    /// Bearer token every request must carry; required off loopback.
    public var token: String?
    /// `/healthz` fails once the broker has been unreachable this many seconds.
    public var offlineLimit = 0.0

    public static let defaultPort = 9770
    public static let minimumTokenLength = 16

    public struct Listen: Equatable, CustomStringConvertible {
        public var address: String
        public var port: Int

        public var description: String { address.utf8.contains(UInt8(ascii: ":")) ? "[\(address)]:\(port)" : "\(address):\(port)" }

        /// 127.0.0.0/8 and ::1: reachable from this machine only.
        public var isLoopback: Bool { address.hasPrefix("127.") || address == "::1" }
    }

    public init() {}

    /// "off", "ADDRESS:PORT" or "[IPv6]:PORT", with an IP literal (no host names: the server binds, it does not resolve).
    public static func parseListen(_ text: String) -> Listen?? {
        if text == "off" { return .some(nil) }
        var address: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            address = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            address = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65535).contains(number), isAddressLiteral(address) else { return nil }
        return .some(Listen(address: String(address), port: number))
    }

    static func isAddressLiteral(_ text: Substring) -> Bool {
        guard !text.isEmpty else { return false }
        if text.utf8.contains(UInt8(ascii: ":")) {
            let allowed = Array("0123456789abcdefABCDEF:.".utf8)
            return text.utf8.allSatisfy { allowed.contains($0) }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let value = Int(part), part.utf8.count <= 3 else { return false }
            return (0...255).contains(value)
        }
    }

    /// What `finish()` refuses: a token too short, or a non-loopback address without one.
    var problem: (message: String, path: String)? {
        if let token, token.utf8.count < StatusSettings.minimumTokenLength {
            return ("status_token must be at least \(StatusSettings.minimumTokenLength) characters", "$.status_token")
        }
        if let listen, !listen.isLoopback, token == nil {
            return ("status_listen \(listen) is reachable from the network: set status_token (at least \(StatusSettings.minimumTokenLength) characters), or listen on 127.0.0.1", "$.status_listen")
        }
        return nil
    }
}
