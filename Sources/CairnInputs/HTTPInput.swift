import CSystem
import CairnCore
import CairnHTTP

/// `{"type": "http", "bind": "127.0.0.1", "port": 8080, "token": "…", "max_body_bytes": 65536, "name": "http"}`:
/// readings POSTed to a local endpoint (see `HTTPIngest`). A port that cannot
/// be bound at start is reported and retried; in a live change it refuses the change.
public final class HTTPInput: InputPlugin {
    public struct Settings: Equatable {
        /// Sensor id prefix.
        public var name = Key.name.stringDefault
        public var bind = Key.bind.stringDefault
        public var port = Key.port.integerDefault
        /// Bearer token (required off loopback).
        public var token: String?
        public var maxBodyBytes = Key.maxBodyBytes.integerDefault
        /// Seconds without a reading after which a sensor seen before counts as failing (0: never).
        public var staleAfter = Key.staleAfter.numberDefault
    }

    public static let typeName = "http"
    public static var pushed: Bool { true }
    static let retryMilliseconds: Int64 = 30_000

    public let settings: Settings
    public let ingest: HTTPIngest
    private let listeners: HTTPListeners
    private var listener: HTTPListeners.Listener?
    private var retryAt: Int64 = 0
    private var lastError = ""

    public init(settings: Settings, common: InputSettings, context: InputContext) {
        self.settings = settings
        ingest = HTTPIngest(name: settings.name, token: settings.token, maxBodyBytes: settings.maxBodyBytes, unit: common.unit,
                            staleAfter: Int64(settings.staleAfter * 1000), metrics: context.metrics)
        listeners = context.listeners
    }

    public func open(strict: Bool) throws(InputError) {
        do {
            listener = try listeners.acquire(bind: settings.bind, port: settings.port, maxBodyBytes: settings.maxBodyBytes)
            lastError = ""
            Log.info("http input \"\(settings.name)\" listening on \(settings.bind):\(settings.port)\(settings.token == nil ? "" : " (token required)")")
        } catch {
            if strict { throw InputError("http input \"\(settings.name)\": \(error)") }
            lastError = "\(error)"
            retryAt = Clock.monotonicMilliseconds() + HTTPInput.retryMilliseconds
            Log.error("http input \"\(settings.name)\": \(error); retrying in \(HTTPInput.retryMilliseconds / 1000) s")
        }
    }

    public func start(_ context: InputContext) { listener?.serve(ingest) }

    public func stop() {
        guard let listener else { return }
        self.listener = nil
        listeners.release(listener)
    }

    public func collect(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        if let listener {
            if listener.nextDeadline(nowMonotonic: nowMonotonic) <= nowMonotonic { listener.run() }
        } else if nowMonotonic >= retryAt {
            try? open(strict: false)
            listener?.serve(ingest)
        }
        return ingest.take(nowMonotonic: nowMonotonic)
    }

    public var pollRequest: (fd: Int32, events: Int16)? { listener.map { ($0.descriptor, Int16(POLLIN)) } }
    public func handle(revents: Int16, nowMonotonic: Int64) { listener?.run() }

    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        min(listener?.nextDeadline(nowMonotonic: nowMonotonic) ?? retryAt, ingest.nextSilence)
    }

    public func report(into report: inout InputReport) {
        report.httpRequestsAccepted += ingest.counters.requestsAccepted
        report.httpRequestsRejected += ingest.counters.requestsRejected
        if !lastError.isEmpty { report.httpErrors.append("\(settings.name): \(lastError)") }
    }

    public enum Key {
        public static let name = SectionKey.string("name", default: "http")
        public static let bind = SectionKey.string("bind", default: "127.0.0.1")
        public static let port = SectionKey.integer("port", in: 1...65_535, default: 8080)
        public static let token = SectionKey.string("token", .none).secret
        public static let maxBodyBytes = SectionKey.integer("max_body_bytes", in: 256...16 * 1024 * 1024, default: 64 * 1024)
        public static let staleAfter = SectionKey.number("stale_after", in: SectionKey.seconds, default: 0)
    }

    public static let keys = [Key.name, Key.bind, Key.port, Key.token, Key.maxBodyBytes, Key.staleAfter]

    public static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> Settings {
        try r.rejectSelection("http", chosenBy: "the client")
        var settings = Settings()
        settings.name = try r.sensorPrefix(Key.name)
        settings.bind = try r.string(Key.bind)
        guard isIPAddress(settings.bind) else { throw r.error("expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1", at: r.member(Key.bind)!) }
        settings.port = try r.integer(Key.port)
        settings.token = try r.optionalString(Key.token)
        if let token = settings.token, token.utf8.count < 16 {
            throw r.error("must be at least 16 characters", at: r.member(Key.token)!)
        }
        // Security by default: a port reachable from the network needs a token.
        if settings.token == nil && !isLoopback(settings.bind) {
            throw r.error("listening on \(settings.bind) needs a \"token\"; without one, bind to 127.0.0.1 or ::1", at: r.member(Key.bind)!)
        }
        settings.maxBodyBytes = try r.integer(Key.maxBodyBytes)
        if common.interval != nil {
            throw r.error("an http input has no interval: readings arrive when they are posted", at: r.member(InputSettings.Key.interval)!)
        }
        settings.staleAfter = try r.number(Key.staleAfter)
        return settings
    }

    public static func label(_ settings: Settings) -> String? { settings.name }
    public static func exclusive(_ settings: Settings) -> String? { "\(settings.bind):\(settings.port)" }

    public static func plan(_ settings: Settings, southbound: String?) -> String? {
        "http POST http://\(settings.bind):\(settings.port)\(HTTPIngest.path) -> \(settings.name)/<sensor>\(settings.token == nil ? "" : " (bearer token)")"
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.")
    }

    /// Dotted-quad IPv4, or IPv6 (hex digits, ':' and '.' only); the server checks it properly.
    static func isIPAddress(_ text: String) -> Bool {
        if text.utf8.contains(UInt8(ascii: ":")) {
            return text.utf8.allSatisfy { ($0 >= 48 && $0 <= 58) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) || $0 == 46 }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let n = Int(part), !part.isEmpty, part.utf8.count <= 3 else { return false }
            return n >= 0 && n <= 255
        }
    }
}
