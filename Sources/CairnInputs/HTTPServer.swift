import CMicroHTTPD

/// One complete HTTP request, as the handler sees it.
public struct HTTPRequest {
    public let method: String
    /// The URL path, without the query string.
    public let path: String
    public let authorization: String?
    public let contentType: String?
    /// Empty when `bodyTooLarge`.
    public let body: [UInt8]
    /// The body exceeded `maxBodyBytes` and was discarded. Whatever the handler answers,
    /// the client gets a 4xx/5xx: a success status is replaced by 413.
    public let bodyTooLarge: Bool

    public init(method: String, path: String, authorization: String? = nil, contentType: String? = nil,
                body: [UInt8] = [], bodyTooLarge: Bool = false) {
        self.method = method
        self.path = path
        self.authorization = authorization
        self.contentType = contentType
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }
}

public struct HTTPResponse {
    public var status: Int
    public var body: String
    public var contentType: String = "application/json"
    /// Extra headers, e.g. ("WWW-Authenticate", "Bearer") with a 401.
    public var headers: [(String, String)] = []

    public init(status: Int, body: String, contentType: String = "application/json", headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An HTTP/1.1 server (libmicrohttpd) driven by the agent's poll() loop: no thread of its
/// own. Watch `descriptor` for POLLIN and call `run()` when it is ready and when
/// `nextDeadline` passes. Bodies are collected in C up to `maxBodyBytes`; a larger
/// declared Content-Length is answered 413 before its body is read, a larger chunked
/// body is discarded as it arrives and answered 413 at its end. The handler is called
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

    /// Starts listening on `address`, an IPv4 or IPv6 literal ("127.0.0.1", "::1", "0.0.0.0";
    /// an IPv6 address takes IPv6 only). `log` receives libmicrohttpd's error messages
    /// (failed accepts, connections closed on errors); nil drops them.
    public init(address: String, port: Int, maxBodyBytes: Int, maxConnections: Int = 32,
                maxConnectionsPerAddress: Int = 0, timeoutSeconds: Int = 10,
                log: ((String) -> Void)? = nil,
                handler: @escaping (HTTPRequest) -> HTTPResponse) throws(HTTPServerError) {
        let shown = address.utf8.contains(UInt8(ascii: ":")) ? "[\(address)]:\(port)" : "\(address):\(port)"
        guard (0...65535).contains(port), maxBodyBytes >= 0, maxConnections > 0, timeoutSeconds >= 0,
              maxConnectionsPerAddress >= 0 else {
            throw HTTPServerError("cannot listen on \(shown): invalid port or limits")
        }
        let context = Context(handler: handler, log: log)
        var options = cairn_httpd_options(
            port: UInt16(port), max_body: maxBodyBytes, max_connections: UInt32(maxConnections),
            per_ip_connections: UInt32(maxConnectionsPerAddress), timeout_seconds: UInt32(timeoutSeconds),
            connection_memory: 0)
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

    deinit {
        cairn_httpd_stop(server)
    }

    /// The body limit for requests that start from now on.
    public func setMaxBodyBytes(_ bytes: Int) {
        cairn_httpd_set_max_body(server, max(0, bytes))
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
        let response = context.handler(request)
        // A status MHD would refuse (not three digits) closes the connection; send 500 instead.
        let status = (200...599).contains(response.status) ? response.status : 500
        var text = response.body
        let made = response.contentType.withCString { type in
            text.withUTF8 { cairn_httpd_respond(exchange, UInt32(status), type, $0.baseAddress, $0.count) }
        }
        guard made == 0 else { return }   // out of memory: the shim answers 500
        for (name, value) in response.headers {
            _ = name.withCString { n in value.withCString { cairn_httpd_add_header(exchange, n, $0) } }
        }
    }
}
