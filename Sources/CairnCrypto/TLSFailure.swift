import CCrypto

/// Why a TLS handshake with the broker failed, with what a user needs to fix it:
/// the certificate involved, its dates and names. Text for people is in `message`/`hint`.
public enum TLSFailure: Error, Equatable {
    /// A CA file, client certificate or key that OpenSSL will not load.
    case setup(String)
    case expired(subject: String, notAfter: String)
    case notYetValid(subject: String, notBefore: String)
    /// The certificate is for other names than the host asked for.
    case hostMismatch(host: String, names: String)
    /// No certificate in the CA file issued this one.
    case unknownCA(subject: String, issuer: String)
    /// Another verification error (OpenSSL's text).
    case unverified(subject: String, reason: String)
    /// The broker ended the connection because no client certificate was sent.
    case clientCertificateRequired
    /// The broker refused the client certificate it was sent (its alert's text).
    case clientCertificateRefused(certificate: String, alert: String)
    /// Another alert from the broker.
    case alert(String)
    /// The port answered, but not with TLS (a plain MQTT port, say).
    case notTLS(String)
    /// Any other handshake error (OpenSSL's text).
    case handshake(String)
    case closed
    case timeout

    /// One sentence: what failed, naming the certificate and the date or names involved.
    public var message: String {
        switch self {
        case .setup(let what): return what
        case .expired(let subject, let date):
            return "the broker's certificate \"\(subject)\" expired on \(date)"
        case .notYetValid(let subject, let date):
            return "the broker's certificate \"\(subject)\" is not valid before \(date)"
        case .hostMismatch(let host, let names):
            return "the broker's certificate is for \(names), not for \(host)"
        case .unknownCA(let subject, let issuer):
            return "the broker's certificate \"\(subject)\" is issued by \"\(issuer)\", which the CA file does not trust (unknown CA)"
        case .unverified(let subject, let reason):
            return "the broker's certificate \"\(subject)\" does not verify: \(reason)"
        case .clientCertificateRequired:
            return "the broker requires a client certificate and none is configured"
        case .clientCertificateRefused(let certificate, let alert):
            return "the broker refused the client certificate \"\(certificate)\" (\(alert))"
        case .alert(let text): return "the broker ended the TLS handshake: \(text)"
        case .notTLS(let detail): return "the server does not speak TLS on this port (\(detail))"
        case .handshake(let text): return "the TLS handshake failed: \(text)"
        case .closed: return "the server closed the connection during the TLS handshake"
        case .timeout: return "no answer to the TLS handshake"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .setup: return "check ca_file, cert_file and key_file: PEM files readable by the agent, the key matching the certificate"
        case .expired: return "renew the broker's certificate (or, when the date looks wrong, fix this device's clock)"
        case .notYetValid: return "fix this device's clock (NTP), or use a certificate whose validity has started"
        case .hostMismatch: return "connect with a name the certificate holds (the broker URL), or reissue the certificate with this name in its subjectAltName"
        case .unknownCA: return "set ca_file to the CA that issued the broker's certificate (the file must hold it, and any intermediate the broker does not send)"
        case .unverified: return "check the broker's certificate chain and ca_file"
        case .clientCertificateRequired: return "set cert_file and key_file to a client certificate the broker's CA issued"
        case .clientCertificateRefused: return "use a client certificate issued by the CA the broker trusts (cafile in mosquitto.conf), valid today"
        case .alert: return "check the broker's TLS settings and log"
        case .notTLS: return "this looks like a plain MQTT port: use the broker's TLS port (usually 8883), or mqtt:// for a plain port"
        case .handshake: return "check the broker's TLS settings (protocol versions, ciphers) and its log"
        case .closed: return "check that the port is the broker's TLS listener and read the broker's log"
        case .timeout: return "check that the port is the broker's TLS listener"
        }
    }

    /// The failure a verify error of OpenSSL names; `host` is the name or address asked for.
    /// `certificate` failed; `leaf` is the server's own (for an unknown CA: the one named, with the issuer found last).
    static func verification(_ error: Int32, certificate: OpaquePointer?, leaf: OpaquePointer?, host: String) -> TLSFailure {
        let subject = X509Text.subject(certificate)
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return .expired(subject: subject, notAfter: X509Text.notAfter(certificate))
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return .notYetValid(subject: subject, notBefore: X509Text.notBefore(certificate))
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostMismatch(host: host, names: X509Text.names(certificate))
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .unknownCA(subject: X509Text.subject(leaf ?? certificate), issuer: X509Text.issuer(certificate))
        default:
            return .unverified(subject: subject, reason: String(cString: X509_verify_cert_error_string(Int(error))))
        }
    }
}

/// Text of a certificate's fields, formatted in C (shim.c): nothing of X509 is read here.
enum X509Text {
    static func subject(_ cert: OpaquePointer?) -> String { read(cert) { cairn_x509_subject($0, $1, $2) } }
    static func issuer(_ cert: OpaquePointer?) -> String { read(cert) { cairn_x509_issuer($0, $1, $2) } }
    static func notAfter(_ cert: OpaquePointer?) -> String { read(cert) { cairn_x509_not_after($0, $1, $2) } }
    static func notBefore(_ cert: OpaquePointer?) -> String { read(cert) { cairn_x509_not_before($0, $1, $2) } }
    static func names(_ cert: OpaquePointer?) -> String { read(cert) { cairn_x509_names($0, $1, $2) } }

    private static func read(_ cert: OpaquePointer?, _ format: (OpaquePointer, UnsafeMutablePointer<CChar>, Int32) -> Int32) -> String {
        guard let cert else { return "?" }
        var buffer = [CChar](repeating: 0, count: 1024)
        let result = buffer.withUnsafeMutableBufferPointer { format(cert, $0.baseAddress!, Int32($0.count)) }
        guard result >= 0 else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
