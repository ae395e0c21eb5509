import CairnCore
import CairnHTTP

/// The agent's listening HTTP sockets by address. An endpoint reconfigured on
/// the same address (a new token, body limit or name) keeps its socket: the
/// new input takes the listener over while the old one still holds it, so
/// changing a setting never races another program for the port, and a change
/// that is refused leaves everything as it was.
public final class HTTPListeners {
    public final class Listener {
        public let bind: String
        public let port: Int
        private(set) var server: HTTPServer?
        /// Inputs holding it; the socket closes when the last one lets go.
        fileprivate var holders = 0
        /// The ingest answering requests now.
        private var ingest: HTTPIngest?

        fileprivate init(bind: String, port: Int, maxBodyBytes: Int) throws(HTTPServerError) {
            self.bind = bind
            self.port = port
            server = try HTTPServer(address: bind, port: port, limits: HTTPLimits(maxBodyBytes: maxBodyBytes)) { [unowned(unsafe) self] request in
                self.ingest?.respond(to: request) ?? HTTPResponse.error(503, "not serving")
            }
        }

        /// Requests are answered by `ingest` from now on, with its body limit.
        public func serve(_ ingest: HTTPIngest) {
            self.ingest = ingest
            server?.setMaxBodyBytes(ingest.maxBodyBytes)
        }

        public var descriptor: Int32 { server?.descriptor ?? -1 }
        public func run() { server?.run() }
        public func nextDeadline(nowMonotonic: Int64) -> Int64 { server?.nextDeadline(nowMonotonic: nowMonotonic) ?? Int64.max }

        fileprivate func close() {
            server = nil
            ingest = nil
        }
    }

    private var open: [Listener] = []

    public init() {}

    /// Sockets open now.
    public var count: Int { open.count }

    /// The listener on `bind`:`port`, opened now unless one is open there already.
    public func acquire(bind: String, port: Int, maxBodyBytes: Int) throws(HTTPServerError) -> Listener {
        let listener: Listener
        if let held = open.first(where: { $0.bind == bind && $0.port == port }) {
            listener = held
        } else {
            listener = try Listener(bind: bind, port: port, maxBodyBytes: maxBodyBytes)
            open.append(listener)
        }
        listener.holders += 1
        return listener
    }

    /// One holder lets go; the socket closes with the last.
    public func release(_ listener: Listener) {
        listener.holders -= 1
        guard listener.holders <= 0 else { return }
        listener.close()
        open.removeAll { $0 === listener }
    }
}
