/// Anything that answers a request: a route's handler, a middleware, a router.
/// Middleware wrap a `Next: HTTPResponder` generically (`TokenCheck<Next>`), so a
/// composed endpoint is one concrete type with no existential in it.
public protocol HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// A closure as a responder.
public struct Handler: HTTPResponder {
    private let body: (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping (HTTPRequest) -> HTTPResponse) { self.body = body }

    public func respond(to request: HTTPRequest) -> HTTPResponse { body(request) }
}

/// Method + path → responder. A request's path is looked up exactly first, then among
/// the prefix routes (the longest prefix wins). An unknown path is answered 404; a known
/// path asked with another method, 405 with `Allow` listing the methods it has.
public struct Router: HTTPResponder {
    private struct Route {
        let method: String
        let path: String
        let isPrefix: Bool
        let handler: (HTTPRequest) -> HTTPResponse
    }

    private var routes: [Route] = []

    public init() {}

    /// `responder` answers `method` requests for exactly `path`.
    public mutating func on<R: HTTPResponder>(_ method: String, _ path: String, _ responder: R) {
        routes.append(Route(method: method, path: path, isPrefix: false, handler: { responder.respond(to: $0) }))
    }

    public mutating func on(_ method: String, _ path: String, handler: @escaping (HTTPRequest) -> HTTPResponse) {
        routes.append(Route(method: method, path: path, isPrefix: false, handler: handler))
    }

    /// `responder` answers `method` requests for every path starting with `prefix`
    /// (e.g. "/sensors/"), unless an exact route or a longer prefix claims it.
    public mutating func on<R: HTTPResponder>(_ method: String, prefix: String, _ responder: R) {
        routes.append(Route(method: method, path: prefix, isPrefix: true, handler: { responder.respond(to: $0) }))
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let matching = candidates(for: request.path)
        guard !matching.isEmpty else { return .error(404, "no such resource: \(request.path)") }
        if let route = matching.first(where: { $0.method == request.method }) { return route.handler(request) }
        var methods: [String] = []
        for route in matching where !methods.contains(route.method) { methods.append(route.method) }
        var allowed = ""
        for method in methods { allowed += allowed.isEmpty ? method : ", " + method }
        return .error(405, "\(request.method) is not allowed for \(request.path); use \(allowed)",
                      headers: [HTTPHeader("Allow", allowed)])
    }

    /// The routes that claim `path`: its exact routes, or else those of its longest matching prefix.
    private func candidates(for path: String) -> [Route] {
        let exact = routes.filter { !$0.isPrefix && $0.path == path }
        if !exact.isEmpty { return exact }
        var longest = -1
        for route in routes where route.isPrefix && path.hasPrefix(route.path) { longest = max(longest, route.path.utf8.count) }
        return routes.filter { $0.isPrefix && $0.path.utf8.count == longest && path.hasPrefix($0.path) }
    }
}
