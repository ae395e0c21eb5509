import Foundation
import Testing
import CairnTestSupport

/// `cairn doctor` (the real binary) against real Mosquitto brokers on loopback: each
/// failure the issue names prints its own message and exits 1; the all-green case exits 0.
@Suite struct DoctorTests {
    let dir = TemporaryDirectory("cairn-doctor")

    func doctor(_ broker: String, _ extra: [String] = []) throws -> (status: Int32, output: String) {
        let (status, output) = try AgentBinary.run(["doctor", "--broker", broker, "--device-id", "gw1",
                                                    "--data-dir", dir.file("data")] + extra, directory: dir)
        return (status, output)
    }

    /// The line of `step` in the text report.
    func line(_ output: String, _ step: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix(step + " ") }.map(String.init) ?? ""
    }

    func passwordFile(user: String, password: String) throws -> String {
        let file = dir.file("passwd")
        let result = try runTool("mosquitto_passwd", ["-c", "-b", file, user, password])
        #expect(result.status == 0, "\(result.output)")
        return file
    }

    @Test func allGreenOverMutualTLSWithPasswordAndACL() throws {
        let pki = try TestPKI()
        dir.write("acl", "user gw\ntopic readwrite cairn/gw1/#\n")
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: true)
            + "\nallow_anonymous false\npassword_file \(try passwordFile(user: "gw", password: "s3cret"))\nacl_file \(dir.file("acl"))")
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", pki.ca, "--cert-file", pki.clientCert,
                                                                   "--key-file", pki.clientKey, "--username", "gw", "--password", "s3cret"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("all checks passed"), "\(result.output)")
        #expect(line(result.output, "tls").contains("\"CN=localhost\" verified for localhost"), "\(result.output)")
        #expect(line(result.output, "round_trip").contains("cairn/gw1/doctor/"), "\(result.output)")
        #expect(!result.output.contains("s3cret"), "the password was printed")
    }

    @Test func brokerDown() throws {
        let result = try doctor("mqtt://127.0.0.1:\(freeLoopbackPort())")
        #expect(result.status == 1)
        #expect(line(result.output, "tcp").contains("FAIL  nothing listens on 127.0.0.1:"), "\(result.output)")
        #expect(line(result.output, "tls").contains("skip"), "\(result.output)")
    }

    @Test func wrongPortPlainListenerForMqtts() throws {
        let pki = try TestPKI()
        let broker = try Broker()
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", pki.ca])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("FAIL  the server does not speak TLS on this port"), "\(result.output)")
    }

    @Test func expiredServerCertificate() throws {
        let pki = try TestPKI(expiredServer: true)
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: false) + "\nallow_anonymous true")
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", pki.ca])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("the broker's certificate \"CN=localhost\" expired on 2020-01-02T00:00:00Z"), "\(result.output)")
    }

    @Test func wrongHostName() throws {
        let pki = try TestPKI(serverName: "broker.example", serverIP: nil)
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: false) + "\nallow_anonymous true")
        let result = try doctor("mqtts://127.0.0.1:\(broker.port)", ["--ca-file", pki.ca])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("the broker's certificate is for DNS:broker.example, not for 127.0.0.1"), "\(result.output)")
    }

    @Test func unknownCA() throws {
        let pki = try TestPKI(caName: "Broker Vendor CA")
        let other = try TestPKI(caName: "Some Other CA")
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: false) + "\nallow_anonymous true")
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", other.ca])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("\"CN=localhost\" is issued by \"CN=Broker Vendor CA\", which the CA file does not trust (unknown CA)"),
                "\(result.output)")
    }

    @Test func clientCertificateRequiredAndMissing() throws {
        let pki = try TestPKI()
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: true) + "\nallow_anonymous true")
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", pki.ca])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("FAIL  the broker requires a client certificate and none is configured"), "\(result.output)")
    }

    @Test func clientCertificateFromAnotherCAIsRefused() throws {
        let pki = try TestPKI()
        let other = try TestPKI(caName: "Some Other CA")
        let broker = try Broker(extraConfig: pki.listenerConfig(requireClientCertificate: true) + "\nallow_anonymous true")
        let result = try doctor("mqtts://localhost:\(broker.port)", ["--ca-file", pki.ca, "--cert-file", other.clientCert, "--key-file", other.clientKey])
        #expect(result.status == 1)
        #expect(line(result.output, "tls").contains("FAIL  the broker refused the client certificate \"CN=cairn-client\""), "\(result.output)")
    }

    @Test func wrongPassword() throws {
        let broker = try Broker(extraConfig: "allow_anonymous false\npassword_file \(try passwordFile(user: "gw", password: "right"))")
        let result = try doctor(broker.url, ["--username", "gw", "--password", "wrong-secret"])
        #expect(result.status == 1)
        #expect(line(result.output, "mqtt").contains("FAIL  the broker refused the user name or password of user \"gw\""), "\(result.output)")
        #expect(!result.output.contains("wrong-secret"), "the password was printed")
    }

    @Test func aclForbidsTheTestTopic() throws {
        dir.write("acl", "topic readwrite elsewhere/#\n")
        let broker = try Broker(extraConfig: "allow_anonymous true\nacl_file \(dir.file("acl"))")
        let result = try doctor(broker.url)
        #expect(result.status == 1)
        #expect(line(result.output, "mqtt").contains("pass"), "\(result.output)")
        // Mosquitto refuses the publish (MQTT 5 PUBACK 0x87); a broker may refuse the subscription instead.
        #expect(line(result.output, "round_trip").contains("FAIL  the broker refused the"), "\(result.output)")
        #expect(line(result.output, "round_trip").contains("cairn/gw1/doctor/"), "\(result.output)")
        #expect(line(result.output, "round_trip").contains("(its ACL forbids it)"), "\(result.output)")
    }

    @Test func jsonListsEveryStep() throws {
        let broker = try Broker()
        let green = try doctor(broker.url, ["--json"])
        #expect(green.status == 0, "\(green.output)")
        let document = try JSONSerialization.jsonObject(with: Data(green.output.utf8)) as? [String: Any]
        #expect(document?["ok"] as? Bool == true)
        #expect(document?["config"] as? String == "defaults")
        let steps = document?["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["step"] as? String ?? "" } == ["config", "data_dir", "clock", "dns", "tcp", "tls", "mqtt", "round_trip"])
        #expect(steps.allSatisfy { $0["status"] as? String == "pass" })

        let down = try doctor("mqtt://127.0.0.1:\(freeLoopbackPort())", ["--json"])
        #expect(down.status == 1)
        let failed = (try JSONSerialization.jsonObject(with: Data(down.output.utf8)) as? [String: Any])?["steps"] as? [[String: Any]] ?? []
        #expect(failed.map { $0["status"] as? String ?? "" } == ["pass", "pass", "pass", "pass", "fail", "skip", "skip", "skip"])
        #expect(!(failed[4]["hint"] as? String ?? "").isEmpty)
    }

    @Test func aConfigErrorIsTheFirstStepAndAnUnknownFlagAUsageError() throws {
        dir.write("bad.json", "{\"broker\": \"http://x\"}")
        let bad = try AgentBinary.run(["doctor", "--config", dir.file("bad.json")], directory: dir)
        #expect(bad.0 == 1)
        #expect(line(bad.1, "config").contains("FAIL"), "\(bad.1)")
        let usage = try AgentBinary.run(["doctor", "--no-such-flag"], directory: dir)
        #expect(usage.0 == 2, "\(usage.1)")
    }
}
