/// What one HTTP server accepts, all in one place; libmicrohttpd enforces each of them
/// (see `HTTPServer`) so a slow or greedy client costs the agent a bounded amount.
public struct HTTPLimits: Equatable {
    /// The largest request body. A declared `Content-Length` above it is answered 413 before
    /// the body is read; a larger chunked body is discarded as it arrives and answered 413.
    public var maxBodyBytes: Int
    /// Memory for one connection's request line and headers (libmicrohttpd's per-connection
    /// pool, MHD_OPTION_CONNECTION_MEMORY_LIMIT, which also holds the response's headers).
    /// A request head that does not fit is answered 431 (a request line alone: 414) and closed.
    public var maxHeaderBytes: Int
    /// Connections open at once (MHD_OPTION_CONNECTION_LIMIT). At the limit, new connections
    /// wait in the kernel's listen backlog, unanswered, until one closes.
    public var maxConnections: Int
    /// Connections open at once from one client address (MHD_OPTION_PER_IP_CONNECTION_LIMIT);
    /// one more is accepted and closed at once. 0: no per-address limit.
    public var maxConnectionsPerAddress: Int
    /// Seconds a connection may sit idle (no bytes either way) before it is closed
    /// (MHD_OPTION_CONNECTION_TIMEOUT). 0: never.
    public var idleTimeoutSeconds: Int

    public init(maxBodyBytes: Int = 64 * 1024, maxHeaderBytes: Int = 32 * 1024, maxConnections: Int = 32,
                maxConnectionsPerAddress: Int = 0, idleTimeoutSeconds: Int = 10) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    /// Smallest header allowance: below this libmicrohttpd cannot even build its own answers.
    public static let minimumHeaderBytes = 2048

    /// Why these limits cannot be used, or nil.
    public var problem: String? {
        if maxBodyBytes < 0 { return "max body bytes below 0" }
        if maxHeaderBytes < HTTPLimits.minimumHeaderBytes { return "max header bytes below \(HTTPLimits.minimumHeaderBytes)" }
        if maxConnections < 1 || maxConnections > 65_535 { return "max connections outside 1...65535" }
        if maxConnectionsPerAddress < 0 || maxConnectionsPerAddress > 65_535 { return "max connections per address outside 0...65535" }
        if idleTimeoutSeconds < 0 || idleTimeoutSeconds > 86_400 { return "idle timeout outside 0...86400 s" }
        return nil
    }
}
