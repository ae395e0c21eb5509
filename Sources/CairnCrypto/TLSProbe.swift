import CCrypto
import CSystem
import CairnCore

/// One TLS handshake with verification over a connected socket, made to tell failures
/// apart (`cairn doctor`): an expired certificate, a name mismatch, an unknown CA, a
/// client certificate the server requires or refuses, a port that does not speak TLS.
/// Blocking with a deadline (poll): for one-shot commands, never the agent's loop.
public struct TLSProbe {
    /// The broker's host name or address as configured: SNI and the name verified.
    public var host: String
    public var caFile: String
    public var certFile: String?
    public var keyFile: String?

    public init(host: String, caFile: String, certFile: String? = nil, keyFile: String? = nil) {
        self.host = host
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// What a handshake that passed found: the server certificate's subject and notAfter, the protocol.
    public struct Peer {
        public let subject: String
        public let notAfter: String
        public let protocolVersion: String
    }

    /// Handshakes on `fd` (connected, non-blocking; the caller closes it) until `deadline`
    /// (monotonic ms), then waits up to `settleMilliseconds` for an alert the server sends
    /// after the handshake: with TLS 1.3 a refused client certificate is reported only then.
    public func run(fd: Int32, deadline: Int64, settleMilliseconds: Int64 = 1500) -> Result<Peer, TLSFailure> {
        ERR_clear_error()
        defer { cairn_ssl_failure_clear(); ERR_clear_error() }
        guard let context = SSL_CTX_new(TLS_client_method()) else { return .failure(.setup("cannot create a TLS context")) }
        defer { SSL_CTX_free(context) }
        if let problem = load(context) { return .failure(.setup(problem)) }
        guard let ssl = SSL_new(context) else { return .failure(.setup("cannot create a TLS connection")) }
        defer { SSL_free(ssl) }
        // An address is verified against the certificate's IP names; a name also goes out as SNI.
        let isAddress = host.withCString { X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), $0) } == 1
        if !isAddress {
            _ = host.withCString { SSL_set1_host(ssl, $0) }
            _ = host.withCString { cairn_ssl_set_sni(ssl, $0) }
        }
        cairn_ssl_verify_recording(ssl)
        SSL_set_fd(ssl, fd)
        if let failure = drive(ssl, fd: fd, deadline: deadline, { SSL_connect($0) }) { return .failure(failure) }
        let settle = min(deadline, Clock.monotonicMilliseconds() + settleMilliseconds)
        var byte: UInt8 = 0
        if let failure = drive(ssl, fd: fd, deadline: settle, { SSL_read($0, &byte, 1) }), failure != .timeout {
            return .failure(failure)
        }
        let certificate = SSL_get0_peer_certificate(ssl)
        return .success(Peer(subject: X509Text.subject(certificate), notAfter: X509Text.notAfter(certificate),
                             protocolVersion: String(cString: SSL_get_version(ssl))))
    }

    /// The CA file and the client certificate and key; nil, or what is wrong with them.
    private func load(_ context: OpaquePointer) -> String? {
        guard caFile.withCString({ SSL_CTX_load_verify_locations(context, $0, nil) }) == 1 else {
            return "cannot load the CA file \(caFile) (no PEM certificate in it, or unreadable)"
        }
        guard let certFile, let keyFile else { return nil }
        guard certFile.withCString({ SSL_CTX_use_certificate_chain_file(context, $0) }) == 1 else {
            return "cannot load the client certificate \(certFile)"
        }
        guard keyFile.withCString({ SSL_CTX_use_PrivateKey_file(context, $0, SSL_FILETYPE_PEM) }) == 1 else {
            return "cannot load the private key \(keyFile)"
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            return "the private key \(keyFile) does not belong to the certificate \(certFile)"
        }
        return nil
    }

    /// Calls `step` until it succeeds, fails, or the deadline passes, polling for what it wants.
    private func drive(_ ssl: OpaquePointer, fd: Int32, deadline: Int64, _ step: (OpaquePointer) -> Int32) -> TLSFailure? {
        while true {
            let result = step(ssl)
            if result > 0 { return nil }
            let error = SSL_get_error(ssl, result)
            var wanted: Int16
            switch error {
            case SSL_ERROR_WANT_READ: wanted = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: wanted = Int16(POLLOUT)
            case SSL_ERROR_ZERO_RETURN: return closed(ssl)
            default: return failure(ssl, error: error)
            }
            let left = deadline - Clock.monotonicMilliseconds()
            guard left > 0 else { return .timeout }
            var request = pollfd(fd: fd, events: wanted, revents: 0)
            _ = poll(&request, 1, Int32(min(left, 10_000)))
        }
    }

    /// What failed, from the verify record and the error queue.
    private func failure(_ ssl: OpaquePointer, error: Int32) -> TLSFailure {
        let verifyError = cairn_ssl_failure_error()
        if verifyError != 0 {
            return TLSFailure.verification(verifyError, certificate: cairn_ssl_failure_cert(),
                                            leaf: cairn_ssl_failure_leaf(), host: host)
        }
        var code: UInt = 0
        while true {
            let next = ERR_get_error()
            guard next != 0 else { break }
            code = next
        }
        guard code != 0 else { return closed(ssl) }  // SSL_ERROR_SYSCALL with an empty queue: end of stream
        let alert = cairn_ssl_alert_of(code)
        if alert >= 0 {
            let text = String(cString: SSL_alert_desc_string_long(alert))
            // 116 certificate_required (TLS 1.3); 40 handshake_failure is how TLS 1.2 servers say it.
            if alert == 116 || (alert == 40 && certFile == nil) { return .clientCertificateRequired }
            if let certFile, [42, 43, 44, 45, 46, 48, 49].contains(alert) {
                return .clientCertificateRefused(certificate: clientSubject(ssl) ?? certFile, alert: text)
            }
            return .alert(text)
        }
        let reason = cairn_err_reason(code)
        let text = ERR_reason_error_string(code).map { String(cString: $0) } ?? "TLS error \(reason)"
        // What a plain-text peer's first bytes look like to a TLS client.
        let plain = [SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG,
                     SSL_R_UNEXPECTED_EOF_WHILE_READING, SSL_R_HTTP_REQUEST, SSL_R_UNEXPECTED_MESSAGE]
        return plain.contains(reason) ? .notTLS(text) : .handshake(text)
    }

    /// The connection ended: a TLS server answers a hello (a ServerHello or an alert), so a
    /// server that closed without sending a byte is not speaking TLS (a plain MQTT broker drops
    /// the hello as a malformed packet).
    private func closed(_ ssl: OpaquePointer) -> TLSFailure {
        guard let input = SSL_get_rbio(ssl), BIO_number_read(input) == 0 else { return .closed }
        return .notTLS("it closed the connection without answering the TLS hello")
    }

    private func clientSubject(_ ssl: OpaquePointer) -> String? {
        guard let certificate = SSL_get_certificate(ssl) else { return nil }
        return X509Text.subject(certificate)
    }
}
