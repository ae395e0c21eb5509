import CairnCore

/// One response header: a struct rather than a tuple, so arrays of them need no conversion.
public struct HTTPHeader: Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Header names compare without ASCII case.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }
}

/// One complete HTTP request, as a handler sees it.
public struct HTTPRequest {
    public let method: String
    /// The URL path, without the query string.
    public let path: String
    public let authorization: String?
    public let contentType: String?
    /// Empty when `bodyTooLarge`.
    public let body: [UInt8]
    /// The body exceeded `HTTPLimits.maxBodyBytes` and was discarded. Whatever the handler
    /// answers, the client gets a 4xx/5xx: a success status is replaced by 413.
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
    /// Extra headers, e.g. `HTTPHeader("WWW-Authenticate", "Bearer")` with a 401.
    public var headers: [HTTPHeader] = []

    public init(status: Int, body: String, contentType: String = "application/json", headers: [HTTPHeader] = []) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }

    /// The first header called `name` (compared without case), if any.
    public func header(_ name: String) -> String? {
        headers.first { HTTPHeader.sameName($0.name, name) }?.value
    }

    /// `{"error": "<message>"}` and a newline: every refusal in Cairn's HTTP endpoints looks like this.
    public static func error(_ status: Int, _ message: String, headers: [HTTPHeader] = []) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error"); writer.string(message)
        writer.endObject()
        return HTTPResponse(status: status, body: writer.text + "\n", headers: headers)
    }
}
