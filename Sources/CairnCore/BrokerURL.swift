/// `mqtt://host[:port]` or `mqtts://host[:port]`.
public struct BrokerURL: Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: Int

    public init(tls: Bool, host: String, port: Int) {
        self.tls = tls
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) -> BrokerURL? {
        let tls: Bool
        let rest: Substring
        if text.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        var hostPart = rest
        if let slash = hostPart.firstIndex(of: "/") {
            guard hostPart[slash...] == "/" else { return nil }
            hostPart = hostPart[..<slash]
        }
        var host: Substring
        var port = tls ? 8883 : 1883
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { return nil }
            host = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = hostPart[..<colon]
            guard let p = Int(hostPart[hostPart.index(after: colon)...]) else { return nil }
            port = p
        } else {
            host = hostPart
        }
        guard !host.isEmpty, port > 0, port < 65536 else { return nil }
        return BrokerURL(tls: tls, host: String(host), port: port)
    }

    public var description: String {
        let shownHost = Text.contains(host, ":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(shownHost):\(port)"
    }
}
