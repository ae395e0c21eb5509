/// The one place Cairn's HTTP endpoints check a bearer token: `Authorization: Bearer <token>`,
/// compared in constant time. A missing or wrong token is answered 401 with
/// `WWW-Authenticate: Bearer realm="cairn"`, before `next` sees anything of the request
/// (so nothing in an unauthenticated body is ever parsed). A nil token asks for none.
public struct TokenCheck<Next: HTTPResponder>: HTTPResponder {
    private let token: [UInt8]?
    public let next: Next

    public init(token: String?, next: Next) {
        self.token = token.map { Array($0.utf8) }
        self.next = next
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        if let token, !BearerToken.matches(request.authorization, token) { return TokenCheck.refusal }
        return next.respond(to: request)
    }

    public static var refusal: HTTPResponse {
        .error(401, "missing or wrong bearer token", headers: [HTTPHeader("WWW-Authenticate", "Bearer realm=\"cairn\"")])
    }
}

extension HTTPResponder {
    /// This responder behind a bearer-token check (none when `token` is nil).
    public func requiringToken(_ token: String?) -> TokenCheck<Self> { TokenCheck(token: token, next: self) }
}

public enum BearerToken {
    /// Whether `header` is "Bearer <token>" with exactly `token`.
    public static func matches(_ header: String?, _ token: [UInt8]) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        return constantTimeEqual(Array(header.utf8.dropFirst(7)), token)
    }

    /// Equal bytes, found without an early exit: every byte of the longer input is looked at
    /// whether or not an earlier one differed, and a length difference counts as a difference
    /// instead of ending the comparison, so the time taken says nothing about where (or
    /// whether) the inputs first differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: a.count ^ b.count)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
