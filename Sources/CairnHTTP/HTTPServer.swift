import CMicroHTTPD

public struct HTTPServerError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An HTTP/1.1 server (libmicrohttpd) driven by the agent's poll() loop: no thread of its
/// own. Watch `descriptor` for POLLIN and call `run()` when it is ready and when
/// `nextDeadline` passes. `HTTPLimits` bound what a client can make it hold: bodies are
/// collected in C up to `maxBodyBytes` (a larger declared Content-Length is answered 413
/// before its body is read, a larger chunked body is discarded as it arrives and answered
/// 413 at its end), request heads up to `maxHeaderBytes` (431), connections in number and
/// per address, and idle connections in time. The handler (usually a `Router`) is called
/// once per request, on the loop's thread, and must not block.
/// This is the only type that touches libmicrohttpd; no raw pointer leaves it.
public final class HTTPServer {
    /// Keeps the handler alive at a stable address for the C callbacks.
    private final class Context {
        let handler: (HTTPRequest) -> HTTPResponse
        let log: ((String) -> Void)?
        init(handler: @escaping (HTTPRequest) -> HTTPResponse, log: ((String) -> Void)?) {
            self.handler = handler
            self.log = log
        }
    }

    private let server: OpaquePointer
    private let context: Context
    /// The bound port: the kernel's choice when `port` was 0.
    public let port: Int
    /// The epoll descriptor to poll for POLLIN (fixed for the server's lifetime).
    public let descriptor: Int32
    /// The limits in force (`maxBodyBytes` as last set).
    public private(set) var limits: HTTPLimits

    /// Starts listening on `address`, an IPv4 or IPv6 literal ("127.0.0.1", "::1", "0.0.0.0";
    /// an IPv6 address takes IPv6 only). `log` receives libmicrohttpd's error messages
    /// (failed accepts, connections closed on errors); nil drops them.
    public init(address: String, port: Int, limits: HTTPLimits = HTTPLimits(),
                log: ((String) -> Void)? = nil,
                handler: @escaping (HTTPRequest) -> HTTPResponse) throws(HTTPServerError) {
        let shown = address.utf8.contains(UInt8(ascii: ":")) ? "[\(address)]:\(port)" : "\(address):\(port)"
        guard (0...65535).contains(port) else { throw HTTPServerError("cannot listen on \(shown): invalid port") }
        if let problem = limits.problem { throw HTTPServerError("cannot listen on \(shown): \(problem)") }
        self.limits = limits
        let context = Context(handler: handler, log: log)
        var options = cairn_httpd_options(
            port: UInt16(port), max_body: limits.maxBodyBytes, max_connections: UInt32(limits.maxConnections),
            per_ip_connections: UInt32(limits.maxConnectionsPerAddress), timeout_seconds: UInt32(limits.idleTimeoutSeconds),
            connection_memory: limits.maxHeaderBytes)
        var error = [CChar](repeating: 0, count: 256)
        let logger: cairn_httpd_logger? = log == nil ? nil : { context, message in
            guard let context, let message else { return }
            Unmanaged<Context>.fromOpaque(context).takeUnretainedValue().log?(String(cString: message))
        }
        let started = address.withCString { address in
            cairn_httpd_start(address, &options, { context, request, exchange in
                guard let context, let request, let exchange else { return }
                HTTPServer.handle(Unmanaged<Context>.fromOpaque(context).takeUnretainedValue(),
                                  request.pointee, exchange)
            }, logger, Unmanaged.passUnretained(context).toOpaque(), &error, error.count)
        }
        guard let started else {
            let reason = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw HTTPServerError("cannot listen on \(shown): \(reason)")
        }
        self.server = started
        self.context = context
        self.port = Int(cairn_httpd_port(started))
        self.descriptor = cairn_httpd_fd(started)
    }

    /// Serves `responder` (a `Router`, a `TokenCheck<Router>`, ...).
    public convenience init<R: HTTPResponder>(address: String, port: Int, limits: HTTPLimits = HTTPLimits(),
                                              log: ((String) -> Void)? = nil, responder: R) throws(HTTPServerError) {
        try self.init(address: address, port: port, limits: limits, log: log) { responder.respond(to: $0) }
    }

    deinit {
        cairn_httpd_stop(server)
    }

    /// The body limit for requests that start from now on.
    public func setMaxBodyBytes(_ bytes: Int) {
        limits.maxBodyBytes = max(0, bytes)
        cairn_httpd_set_max_body(server, limits.maxBodyBytes)
    }

    /// Accepts, reads, answers and times out connections; never blocks.
    public func run() {
        _ = cairn_httpd_run(server)
    }

    /// When `run()` must be called even if `descriptor` stays quiet (monotonic ms), or
    /// Int64.max when nothing is waiting for a timeout.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        let wait = cairn_httpd_timeout_ms(server)
        guard wait >= 0 else { return Int64.max }
        return wait >= Int64.max - nowMonotonic ? Int64.max : nowMonotonic + wait
    }

    private static func handle(_ context: Context, _ raw: cairn_http_request, _ exchange: OpaquePointer) {
        let body: [UInt8] = raw.body.map { Array(UnsafeBufferPointer(start: $0, count: raw.body_length)) } ?? []
        let request = HTTPRequest(
            method: String(cString: raw.method), path: String(cString: raw.path),
            authorization: raw.authorization.map { String(cString: $0) },
            contentType: raw.content_type.map { String(cString: $0) },
            body: body, bodyTooLarge: raw.body_too_large != 0)
        let response = HTTPServer.answer(request, with: context.handler)
        let status = response.status
        var text = response.body
        let made = response.contentType.withCString { type in
            text.withUTF8 { cairn_httpd_respond(exchange, UInt32(status), type, $0.baseAddress, $0.count) }
        }
        guard made == 0 else { return }   // out of memory: the shim answers 500
        for header in response.headers {
            _ = header.name.withCString { n in header.value.withCString { cairn_httpd_add_header(exchange, n, $0) } }
        }
    }

    /// What the client gets when `handler` answers `request`: a status libmicrohttpd would
    /// refuse (not 200...599) becomes 500, and a success for a body that was discarded as too
    /// large becomes 413. Tests call it to answer in-process exactly as the server would.
    public static func answer(_ request: HTTPRequest, with handler: (HTTPRequest) -> HTTPResponse) -> HTTPResponse {
        var response = handler(request)
        if !(200...599).contains(response.status) { response.status = 500 }
        if request.bodyTooLarge && response.status < 400 { response.status = 413 }
        return response
    }
}
