import Foundation
import Testing
import CairnTestSupport

/// Stand-in agents: Tests/IntegrationTests/python/responder.py, one process answering
/// every device's desired document with a retained report, as docs/control.md says.
final class Responder {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/responder.py").path
    let process: ChildProcess

    init(broker: ControllerTests.QuickBroker, log: String, silent: [String] = [], reject: [String] = []) throws {
        let arguments = [Responder.script, "--port", "\(broker.port)", "--verbose"]
            + silent.flatMap { ["--silent", $0] } + reject.flatMap { ["--reject", $0] }
        process = try ChildProcess(which("python3") ?? "/usr/bin/python3", arguments, log: log)
        guard waitUntil(timeout: 10, { process.log.contains("ready\n") || !process.isRunning }), process.isRunning else {
            throw BrokerError.didNotStart("responder: \(process.log)")
        }
    }

    // SIGKILL: a child started from a test thread inherits its blocked SIGTERM (see quickBroker).
    deinit { process.killHard() }

    /// "DEVICE VERSION STATUS" per answer given so far.
    var answers: [String] {
        process.log.split(separator: "\n").filter { $0.hasPrefix("answered ") }.map { String($0.dropFirst(9)) }
    }
}

/// `cairn ctl`: keys, signing (checked with stock OpenSSL), push against a real
/// Mosquitto with stand-in agents, status from retained state.
@Suite(.serialized) struct ControllerTests {
    let dir = TemporaryDirectory("cairn-ctl")

    /// A broker stopped with SIGKILL when the test ends: started from a test (Dispatch)
    /// thread, Mosquitto inherits a signal mask that blocks SIGTERM, which it restores
    /// around its wait, so SIGTERM stays pending and `Broker`'s teardown waits 10 s.
    final class QuickBroker {
        let broker: Broker
        init(maxQueuedMessages: Int?) throws { broker = try Broker(maxQueuedMessages: maxQueuedMessages) }
        deinit { broker.process?.killHard() }
        var url: String { broker.url }
        var port: Int { broker.port }
    }

    func quickBroker(maxQueuedMessages: Int? = 0) throws -> QuickBroker {
        try QuickBroker(maxQueuedMessages: maxQueuedMessages)
    }

    func ctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try AgentBinary.run(["ctl"] + arguments, directory: dir)
    }

    /// Table rows by device: the cells after the device, split on runs of 2+ spaces.
    func table(_ output: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in output.split(separator: "\n").dropFirst() where !line.hasPrefix("cairn:") && !line.hasPrefix("version ") {
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard let device = cells.first else { continue }
            rows[device] = Array(cells.dropFirst())
        }
        return rows
    }

    /// The retained payload of a topic, nil when none.
    func retained(_ broker: QuickBroker, _ topic: String) throws -> [UInt8]? {
        let (status, output) = try runTool("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", topic, "-C", "1", "-W", "1", "-F", "%x"])
        guard status == 0 else { return nil }
        let hex = Array(output.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index + 1 < hex.count {
            bytes.append(UInt8(String(decoding: hex[index...index + 1], as: UTF8.self), radix: 16)!)
            index += 2
        }
        return bytes
    }

    func publishRetained(_ broker: QuickBroker, _ topic: String, _ payload: String) throws {
        let (status, output) = try runTool("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-r", "-t", topic, "-m", payload])
        #expect(status == 0, "\(output)")
    }

    func document(_ version: Int, name: String = "doc.json") -> String {
        dir.write(name, #"{"version": \#(version), "config": {"interval": 5, "inputs": [{"type": "health"}]}}"# + "\n")
        return dir.file(name)
    }

    func devicesFile(_ count: Int, name: String = "devices.txt") -> (String, [String]) {
        let ids = (1...count).map { String(format: "dev-%04d", $0) }
        dir.write(name, "# the fleet\n\n" + ids.map { "\($0)   # a gateway" }.joined(separator: "\n") + "\n" + ids[0] + "\n")
        return (dir.file(name), ids)
    }

    // MARK: keys and signing

    @Test func keygenWritesAKeyOnlyTheOwnerReadsAndNeverOverwrites() throws {
        let (status, output) = try ctl(["keygen", "--out", dir.file("k.pem")])
        #expect(status == 0, "\(output)")
        #expect(output.contains("-----BEGIN PUBLIC KEY-----"))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("k.pem"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: dir.file("k.pem"), encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try String(contentsOfFile: dir.file("k.pub.pem"), encoding: .utf8).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        // Stock OpenSSL derives the same public key from it.
        let (derived, text) = try runTool("openssl", ["pkey", "-in", dir.file("k.pem"), "-pubout"])
        let publicPEM = try String(contentsOfFile: dir.file("k.pub.pem"), encoding: .utf8)
        #expect(derived == 0 && text == publicPEM)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("k.pem")))
        let (again, message) = try ctl(["keygen", "--out", dir.file("k.pem")])
        #expect(again != 0 && message.contains("exists: not overwriting a key"), "\(message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("k.pem"))) == before)
    }

    /// `cairn ctl sign` output: the file's exact bytes and a signature that
    /// `openssl pkeyutl -verify -rawin` accepts; the same every time.
    @Test func signedEnvelopeVerifiesWithOpenSSLPkeyutl() throws {
        #expect(try ctl(["keygen", "--out", dir.file("k.pem")]).status == 0)
        let path = document(7)
        let (status, output) = try ctl(["sign", "--key", dir.file("k.pem"), path])
        #expect(status == 0, "\(output)")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        #expect(Set(envelope.keys) == ["document", "signature"])
        let documentBytes = try #require(Data(base64Encoded: envelope["document"] ?? ""))
        let signature = try #require(Data(base64Encoded: envelope["signature"] ?? ""))
        #expect(documentBytes == (try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(signature.count == 64)
        try documentBytes.write(to: URL(fileURLWithPath: dir.file("signed.json")))
        try signature.write(to: URL(fileURLWithPath: dir.file("signed.sig")))
        let (verified, text) = try runTool("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", dir.file("k.pub.pem"), "-rawin",
                                                       "-in", dir.file("signed.json"), "-sigfile", dir.file("signed.sig")])
        #expect(verified == 0 && text.contains("Signature Verified Successfully"))
        #expect(try ctl(["sign", "--key", dir.file("k.pem"), path]).output == output, "Ed25519 signing is deterministic")
        // A key made by openssl genpkey signs too.
        try runTool("openssl", ["genpkey", "-algorithm", "ed25519", "-out", dir.file("o.pem")])
        #expect(try ctl(["sign", "--key", dir.file("o.pem"), path]).status == 0)
        // Not a desired document, or already signed: refused.
        dir.write("bad.json", #"{"config": {}}"#)
        #expect(try ctl(["sign", "--key", dir.file("k.pem"), dir.file("bad.json")]).status == 2)
        dir.write("signed-already.json", output)
        #expect(try ctl(["sign", "--key", dir.file("k.pem"), dir.file("signed-already.json")]).output.contains("already a signed envelope"))
        #expect(try ctl(["sign", "--key", dir.file("k.pub.pem"), path]).status != 0)
    }

    /// `cairn ctl verify` runs the agent's SignedDocument.open (so the static binary's
    /// verification is tested too) on an envelope made with the docs' stock-OpenSSL recipe.
    @Test func verifyAcceptsTheStockOpenSSLRecipeAndRejectsWhatADeviceRejects() throws {
        try runTool("openssl", ["genpkey", "-algorithm", "ed25519", "-out", "fleet.pem"], directory: dir.path)
        try runTool("openssl", ["pkey", "-in", "fleet.pem", "-pubout", "-out", "fleet.pub.pem"], directory: dir.path)
        #expect(try ctl(["keygen", "--out", dir.file("other.pem")]).status == 0)
        let path = document(7)
        // docs/control.md, "Signing", with nothing but stock OpenSSL and a shell:
        let recipe = """
            openssl pkeyutl -sign -rawin -inkey fleet.pem -in doc.json -out doc.sig &&
            printf '{"document":"%s","signature":"%s"}' \
                "$(openssl base64 -A -in doc.json)" "$(openssl base64 -A -in doc.sig)" > doc.signed.json
            """
        let (made, log) = try runTool("sh", ["-c", recipe], directory: dir.path)
        #expect(made == 0, "\(log)")
        let (status, output) = try ctl(["verify", "--key", dir.file("other.pub.pem"), "--key", dir.file("fleet.pub.pem"), dir.file("doc.signed.json")])
        let original = try String(contentsOfFile: path, encoding: .utf8)
        #expect(status == 0 && output == original, "\(output)")

        let (wrong, message) = try ctl(["verify", "--key", dir.file("other.pub.pem"), dir.file("doc.signed.json")])
        #expect(wrong == 1 && message == "cairn: \(dir.file("doc.signed.json")): signature does not verify against any trusted key\n", "\(message)")
        let (unsigned, text) = try ctl(["verify", "--key", dir.file("fleet.pub.pem"), path])
        #expect(unsigned == 1 && text.hasSuffix(": unsigned document but config_public_keys are provisioned\n"), "\(text)")
        // One byte of the document changed (its version), the signature kept.
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("doc.signed.json")))) as? [String: String])
        let tampered = original.replacingOccurrences(of: "\"version\": 7", with: "\"version\": 8")
        dir.write("tampered.json", #"{"document":"\#(Data(tampered.utf8).base64EncodedString())","signature":"\#(envelope["signature"] ?? "")"}"#)
        let (rejected, reason) = try ctl(["verify", "--key", dir.file("fleet.pub.pem"), dir.file("tampered.json")])
        #expect(rejected == 1 && reason.hasSuffix(": signature does not verify against any trusted key\n"), "\(reason)")
        dir.write("short.json", #"{"document":"\#(envelope["document"] ?? "")","signature":"\#(envelope["signature"]?.dropLast(4) ?? "")"}"#)
        let (short, why) = try ctl(["verify", "--key", dir.file("fleet.pub.pem"), dir.file("short.json")])
        #expect(short == 1 && why.hasSuffix(": malformed envelope: \"signature\" is 63 bytes, an Ed25519 signature is 64\n"), "\(why)")
    }

    // MARK: push

    /// The table's order and de-duplication, against the responder; the same push to 50
    /// real agents is FleetPushTests.swift's `pushTo50RealAgents…`.
    @Test func pushTo50DevicesWaitsForEveryReportAndAgainIsANoOp() throws {
        let broker = try quickBroker()
        let responder = try Responder(broker: broker, log: dir.file("responder.log"))
        let (file, ids) = devicesFile(49)
        let path = document(7)
        let (status, output) = try ctl(["push", "--broker", broker.url, "--devices", file, "--device", "gw-extra", "--timeout", "30", path])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } == ["DEVICE", "VERSION", "STATUS", "ERRORS"])
        let rows = table(output)
        #expect(rows.count == 50, "\(output)")
        for id in ids + ["gw-extra"] { #expect(rows[id] == ["7", "applied"], "\(id): \(rows[id] ?? [])") }
        #expect(output.contains("\nversion 7 to 50 devices in "), "\(output)")
        #expect(output.hasSuffix(": 50 applied\n"), "\(output)")
        // Each device once, in the order given: --device ones, then the file's (a duplicate line is ignored).
        #expect(lines.dropFirst().prefix(3).map { String($0.prefix(8)) } == ["gw-extra", "dev-0001", "dev-0002"])
        #expect(responder.answers.count == 50)
        #expect(try retained(broker, "cairn/dev-0017/config/desired") == Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let report = try retained(broker, "cairn/dev-0003/config/reported")

        // Again: nothing published, every device already reports version 7 applied.
        let (again, second) = try ctl(["push", "--broker", broker.url, "--devices", file, "--device", "gw-extra", path])
        #expect(again == 0, "\(second)")
        #expect(second.hasSuffix(": 50 applied (50 already desired: not published again)\n"), "\(second)")
        #expect(table(second).values.allSatisfy { $0 == ["7", "applied"] })
        #expect(try retained(broker, "cairn/dev-0003/config/reported") == report)
        #expect(responder.answers.count == 50, "\(responder.answers)")
    }

    @Test func aDeviceThatNeverAnswersOrRejectsFailsThePush() throws {
        let broker = try quickBroker()
        let responder = try Responder(broker: broker, log: dir.file("responder.log"), silent: ["gw-3"], reject: ["gw-4"])
        let path = document(7)
        let started = Date()
        let (status, output) = try ctl(["push", "--broker", broker.url, "--timeout", "3", path] + (1...5).flatMap { ["--device", "gw-\($0)"] })
        #expect(status == 1, "\(output)")
        #expect(Date().timeIntervalSince(started) < 15)
        let rows = table(output)
        for id in ["gw-1", "gw-2", "gw-5"] { #expect(rows[id] == ["7", "applied"], "\(output)") }
        #expect(rows["gw-3"] == ["-", "no report", "no report of version 7 within 3 s"], "\(output)")
        #expect(rows["gw-4"] == ["7", "rejected", "$.config.inputs[0].port: port 80 is in use"], "\(output)")
        #expect(output.hasSuffix(": 3 applied, 1 no report, 1 rejected\n") || output.hasSuffix(": 3 applied, 1 rejected, 1 no report\n"), "\(output)")
        #expect(Set(responder.answers) == ["gw-1 7 applied", "gw-2 7 applied", "gw-4 7 rejected", "gw-5 7 applied"])
    }

    /// A report of the pushed version retained from before the push is not an answer
    /// to it (the device may have applied other bytes); a newer desired document, or
    /// the same version with other bytes, is not overwritten.
    @Test func staleReportsAndNewerDesiredDocumentsAreNotMistakenForSuccess() throws {
        let broker = try quickBroker()
        let responder = try Responder(broker: broker, log: dir.file("responder.log"), silent: ["gw-stale"])
        try publishRetained(broker, "cairn/gw-stale/config/desired", #"{"version": 6, "config": {}}"#)
        try publishRetained(broker, "cairn/gw-stale/config/reported", #"{"version":7,"status":"applied","in_force":7,"errors":[],"time":1}"#)
        try publishRetained(broker, "cairn/gw-newer/config/desired", #"{"version": 9, "config": {}}"#)
        try publishRetained(broker, "cairn/gw-same/config/desired", #"{"version": 7, "config": {"other": true}}"#)
        #expect(waitUntil(timeout: 10) { responder.answers.count == 2 }, "\(responder.answers)")
        let path = document(7)
        let (status, output) = try ctl(["push", "--broker", broker.url, "--device", "gw-stale", "--device", "gw-newer",
                                        "--device", "gw-same", "--device", "gw-ok", "--timeout", "3", path])
        #expect(status == 1, "\(output)")
        let rows = table(output)
        #expect(rows["gw-stale"] == ["-", "no report", "no report of version 7 within 3 s; last report: version 7 applied"], "\(output)")
        #expect(rows["gw-newer"] == ["-", "not pushed", "version 9 is already desired (newer than 7)"], "\(output)")
        #expect(rows["gw-same"] == ["-", "not pushed", "version 7 is already desired with other content: give this document a new version"], "\(output)")
        #expect(rows["gw-ok"] == ["7", "applied"], "\(output)")
        #expect(try retained(broker, "cairn/gw-newer/config/desired") == Array(#"{"version": 9, "config": {}}"#.utf8))
    }

    /// `--sign-key`: the retained desired document is the envelope, verifiable with
    /// stock OpenSSL, and pushing it again publishes nothing (deterministic bytes).
    @Test func signedPushPublishesTheEnvelopeAndAgainIsANoOp() throws {
        let broker = try quickBroker()
        let responder = try Responder(broker: broker, log: dir.file("responder.log"))
        #expect(try ctl(["keygen", "--out", dir.file("k.pem")]).status == 0)
        let path = document(3)
        let arguments = ["push", "--broker", broker.url, "--device", "gw-a", "--device", "gw-b", "--sign-key", dir.file("k.pem"), path]
        let (status, output) = try ctl(arguments)
        #expect(status == 0 && table(output).values.allSatisfy { $0 == ["3", "applied"] }, "\(output)")
        let payload = try #require(try retained(broker, "cairn/gw-a/config/desired"))
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: String])
        #expect(Data(base64Encoded: envelope["document"] ?? "") == (try Data(contentsOf: URL(fileURLWithPath: path))))
        try Data(base64Encoded: envelope["signature"] ?? "")?.write(to: URL(fileURLWithPath: dir.file("doc.sig")))
        let (verified, _) = try runTool("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", dir.file("k.pub.pem"), "-rawin",
                                                    "-in", path, "-sigfile", dir.file("doc.sig")])
        #expect(verified == 0)
        let (again, second) = try ctl(arguments)
        #expect(again == 0 && second.hasSuffix("(2 already desired: not published again)\n"), "\(second)")
        #expect(try retained(broker, "cairn/gw-b/config/desired") == payload)
        // A file signed with cairn ctl sign is pushed as it is.
        dir.write("signed.json", try ctl(["sign", "--key", dir.file("k.pem"), path]).output)
        let (third, output3) = try ctl(["push", "--broker", broker.url, "--device", "gw-a", dir.file("signed.json")])
        #expect(third == 0 && output3.hasSuffix("(1 already desired: not published again)\n"), "\(output3)")
        #expect(responder.answers.count == 2)
    }

    /// The broker keeps only so many messages for one client (Mosquitto: 1,000 beyond
    /// the 20 in flight, by default); a push to 1,000 devices reads their retained
    /// state in rounds and loses none of it.
    @Test func thousandDevicesOnABrokerWithDefaultQueueLimits() throws {
        let broker = try quickBroker(maxQueuedMessages: nil)
        let responder = try Responder(broker: broker, log: dir.file("responder.log"))
        let (file, ids) = devicesFile(1000)
        let path = document(12)
        let (status, output) = try ctl(["push", "--broker", broker.url, "--devices", file, path])
        #expect(status == 0, "\(output.suffix(2000))")
        #expect(table(output).count == 1000)
        #expect(output.hasSuffix(": 1000 applied\n"), "\(output.suffix(300))")
        #expect(responder.answers.count == 1000)
        let (again, second) = try ctl(["push", "--broker", broker.url, "--devices", file, path])
        #expect(again == 0 && second.hasSuffix(": 1000 applied (1000 already desired: not published again)\n"), "\(second.suffix(2000))")
        let (statusCode, statusOutput) = try ctl(["status", "--broker", broker.url, "--devices", file])
        #expect(statusCode == 0)
        let rows = table(statusOutput)
        #expect(rows.count == 1000 && ids.allSatisfy { rows[$0]?[3...5] == ["12", "applied", "12"] }, "\(statusOutput.prefix(1000))")
    }

    @Test func unreachableBrokerFailsWithinTheTimeout() throws {
        let port = freeLoopbackPort()
        let (status, output) = try ctl(["push", "--broker", "mqtt://127.0.0.1:\(port)", "--device", "gw-1", "--timeout", "2", document(1)])
        #expect(status == 1)
        #expect(table(output)["gw-1"]?.prefix(2) == ["-", "not pushed"], "\(output)")
        #expect(output.contains("cairn: could not reach the broker mqtt://127.0.0.1:\(port): "), "\(output)")
        let (code, text) = try ctl(["status", "--broker", "mqtt://127.0.0.1:\(port)", "--device", "gw-1", "--timeout", "2"])
        #expect(code == 1 && text.contains("could not reach the broker"), "\(text)")
    }

    // MARK: status

    @Test func statusShowsPresenceVersionsAndTheLastReport() throws {
        let broker = try quickBroker()
        try publishRetained(broker, "site/gw-a/state", #"{"state":"online","device":"gw-a","version":"0.1.0","arch":"aarch64","time":"2026-11-24T04:16:12.714Z"}"#)
        try publishRetained(broker, "site/gw-a/meta", #"{"device":"gw-a","agent":{"version":"0.1.0","arch":"aarch64","libc":"musl"},"config_version":"push:8:3f1c2a9b7e4d5c60"}"#)
        try publishRetained(broker, "site/gw-a/config/reported", #"{"version":9,"status":"rejected","in_force":8,"config_version":"x","errors":[{"path":"$.inputs[2].port","message":"port 80 is in use"},{"path":"$.interval","message":"must be positive"}],"time":1}"#)
        try publishRetained(broker, "site/gw-b/state", #"{"state":"offline","device":"gw-b","version":"0.1.0","arch":"x86_64","time":"2026-11-24T05:00:00.000Z"}"#)
        try publishRetained(broker, "site/gw-c/state", #"{"state":"offline","device":"gw-c","version":"0.1.0","arch":"x86_64"}"#)
        let (status, output) = try ctl(["status", "--broker", broker.url, "--topic-prefix-template", "site/{device}",
                                        "--device", "gw-a", "--device", "gw-b", "--device", "gw-c", "--device", "gw-d"])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("DEVICE  PRESENCE"), "\(output)")
        let rows = table(output)
        #expect(rows["gw-a"] == ["online", "0.1.0 aarch64", "push:8:3f1c2a9b7e4d5c60", "9", "rejected", "8", "$.inputs[2].port: port 80 is in use (+1 more)"], "\(output)")
        #expect(rows["gw-b"] == ["offline since 2026-11-24T05:00:00.000Z", "-", "-", "-", "-", "-", "-"], "\(output)")
        #expect(rows["gw-c"] == ["offline (lost)", "-", "-", "-", "-", "-", "-"], "\(output)")
        #expect(rows["gw-d"] == ["unknown", "-", "-", "-", "-", "-", "-"], "\(output)")
    }

    // MARK: command line

    @Test func helpForEachControllerCommandFitsTheWidth() throws {
        let expected = [
            ["ctl"]: ["keygen", "sign", "verify", "push", "status"],
            ["ctl", "keygen"]: ["--out KEY.pem"],
            ["ctl", "verify"]: ["--key PUB.pem"],
            ["ctl", "sign"]: ["--key KEY.pem"],
            ["ctl", "push"]: ["--broker URL", "--device ID", "--devices FILE", "--sign-key KEY.pem", "--timeout S", "--topic-prefix-template T", "--ca-file FILE"],
            ["ctl", "status"]: ["--broker URL", "--device ID", "--devices FILE", "--timeout S"],
        ]
        for (command, flags) in expected {
            let (status, output) = try AgentBinary.run(command + ["--help"], directory: dir)
            #expect(status == 0)
            #expect(output.hasPrefix("usage: cairn \(command.joined(separator: " "))"), "\(output)")
            for flag in flags { #expect(output.contains("\n  \(flag)"), "\(command) --help lacks \(flag):\n\(output)") }
            for line in output.split(separator: "\n") { #expect(line.count <= 100, "\(line)") }
        }
        #expect(try AgentBinary.run(["--help"], directory: dir).1.contains("\n  ctl "))
        let (status, output) = try ctl(["push", "--bogus", "1"])
        #expect(status == 2 && output == "cairn: unknown flag --bogus (see cairn ctl push --help)\n", "\(output)")
        #expect(try ctl(["push", "--broker", "mqtt://127.0.0.1:1", document(1)]).output.contains("no devices"))
        #expect(try ctl(["push", "--broker", "mqtt://127.0.0.1:1", "--device", "a/b", document(1)]).status == 2)
        #expect(try ctl(["push", "--broker", "mqtt://127.0.0.1:1", "--device", "a", "--topic-prefix-template", "cairn/{id}", document(1)]).output.contains("unknown placeholder {id}"))
        dir.write("v0.json", #"{"version": 0, "config": {}}"#)
        #expect(try ctl(["push", "--broker", "mqtt://127.0.0.1:1", "--device", "a", dir.file("v0.json")]).status == 2)
        #expect(try ctl(["frobnicate"]).status == 2)
    }
}
