import Foundation

/// A throwaway certificate authority made with openssl for one test: a CA,
/// a server certificate for localhost / 127.0.0.1, and a client certificate.
public final class TestPKI {
    public let directory: TemporaryDirectory

    /// `expiredServer`: the server certificate was valid only on 2020-01-01 (`openssl ca`
    /// takes fixed dates; `x509 -req` in OpenSSL 3.0 does not).
    public init(serverName: String = "localhost", serverIP: String? = "127.0.0.1", caName: String = "Cairn Test CA",
                expiredServer: Bool = false) throws {
        directory = TemporaryDirectory("cairn-pki")
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(caName)",
                     "-keyout", file("ca.key"), "-out", file("ca.pem")])
        try issue("server", subject: "/CN=\(serverName)",
                  extensions: "subjectAltName=DNS:\(serverName)\(serverIP.map { ",IP:\($0)" } ?? "")\nextendedKeyUsage=serverAuth\n",
                  validity: expiredServer ? ["20200101000000Z", "20200102000000Z"] : nil)
        try issue("client", subject: "/CN=cairn-client", extensions: "extendedKeyUsage=clientAuth\n")
    }

    public func file(_ name: String) -> String { directory.file(name) }
    public var ca: String { file("ca.pem") }
    public var serverCert: String { file("server.pem") }
    public var serverKey: String { file("server.key") }
    public var clientCert: String { file("client.pem") }
    public var clientKey: String { file("client.key") }

    /// `validity`: fixed notBefore and notAfter (YYYYMMDDHHMMSSZ), else two days from now.
    private func issue(_ name: String, subject: String, extensions: String, validity: [String]? = nil) throws {
        directory.write("\(name).ext", extensions)
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", file("\(name).key"), "-out", file("\(name).csr")])
        if let validity {
            directory.write("index.txt", "")
            directory.write("serial", "01\n")
            directory.write("ca.cnf", """
                [ca]
                default_ca = test
                [test]
                database = \(file("index.txt"))
                new_certs_dir = \(directory.path)
                serial = \(file("serial"))
                default_md = sha256
                policy = any
                [any]
                commonName = supplied
                """)
            try openssl(["ca", "-batch", "-notext", "-config", file("ca.cnf"), "-cert", ca, "-keyfile", file("ca.key"),
                         "-in", file("\(name).csr"), "-out", file("\(name).pem"), "-startdate", validity[0], "-enddate", validity[1],
                         "-extfile", file("\(name).ext")])
            return
        }
        try openssl(["x509", "-req", "-in", file("\(name).csr"), "-CA", ca, "-CAkey", file("ca.key"), "-CAcreateserial",
                     "-days", "2", "-extfile", file("\(name).ext"), "-out", file("\(name).pem")])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: which("openssl") ?? "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BrokerError.didNotStart("openssl \(arguments.first ?? "") failed") }
    }

    /// Broker configuration lines for a TLS listener with these certificates.
    public func listenerConfig(requireClientCertificate: Bool) -> String {
        """
        cafile \(ca)
        certfile \(serverCert)
        keyfile \(serverKey)
        require_certificate \(requireClientCertificate)
        """
    }
}
