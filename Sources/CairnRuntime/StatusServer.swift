import CairnCore
import CairnControl
import CairnHTTP
import CairnStatus

/// The agent's local HTTP server for technicians and local scrapers (docs/status.md):
///
///     GET /             the status page (inline SVG charts, refreshes itself)
///     GET /api/status   the status document (`cairn status --json`)
///     GET /metrics      Prometheus text exposition 0.0.4
///     GET /healthz      200 "ok", or 503 with the reasons
///
/// Behind the bearer token when `status_token` is set; bodies are not taken (GET only).
/// Runs on the agent's poll() loop like every other socket.
final class StatusServer {
    let listen: StatusSettings.Listen
    let server: HTTPServer
    /// The token, read on each request: a new one takes effect without closing the socket.
    private let box = TokenBox()

    /// What a request reads, asked of the agent at the moment it is answered.
    struct Views {
        let document: () -> String
        let page: () -> String
        let metrics: () -> String
        let health: () -> [String]
    }

    static let limits = HTTPLimits(maxBodyBytes: 0, maxHeaderBytes: 8 * 1024, maxConnections: 16,
                                   maxConnectionsPerAddress: 8, idleTimeoutSeconds: 10)

    init(settings: StatusSettings, listen: StatusSettings.Listen, views: Views) throws(HTTPServerError) {
        self.listen = listen
        box.token = settings.token
        var router = Router()
        router.on("GET", "/") { _ in HTTPResponse(status: 200, body: views.page(), contentType: "text/html; charset=utf-8") }
        router.on("GET", "/api/status") { _ in HTTPResponse(status: 200, body: views.document()) }
        router.on("GET", "/metrics") { _ in HTTPResponse(status: 200, body: views.metrics(), contentType: MetricsText.contentType) }
        router.on("GET", "/healthz") { _ in
            let reasons = views.health()
            guard !reasons.isEmpty else { return HTTPResponse(status: 200, body: "ok\n", contentType: "text/plain; charset=utf-8") }
            var body = "unhealthy\n"
            for reason in reasons { body += reason + "\n" }
            return HTTPResponse(status: 503, body: body, contentType: "text/plain; charset=utf-8")
        }
        let box = self.box
        server = try HTTPServer(address: listen.address, port: listen.port, limits: StatusServer.limits) { request in
            TokenCheck(token: box.token, next: router).respond(to: request)
        }
    }

    /// Held apart from `self` so the server's handler can read it (it cannot capture `self` before init ends).
    private final class TokenBox {
        var token: String?
    }

    func update(token: String?) { box.token = token }
}
