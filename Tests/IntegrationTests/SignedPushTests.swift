import Foundation
import Testing
import CairnTestSupport

/// Pushed documents on a device with `config_public_keys`: only a valid Ed25519
/// signature by a trusted key is applied. Keys made and documents signed with
/// the stock `openssl` command (and with `cairn ctl sign`), the real agent and a
/// real Mosquitto.
@Suite(.serialized) struct SignedPushTests {
    static func openssl(_ arguments: [String], _ dir: TemporaryDirectory) throws {
        let child = try ChildProcess(which("openssl")!, arguments, log: dir.file("openssl.log"))
        child.process.waitUntilExit()
        #expect(child.process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")): \(child.log)")
    }

    /// An Ed25519 key pair in the rig's directory: (private PEM path, public PEM path).
    static func keyPair(_ name: String, _ dir: TemporaryDirectory) throws -> (String, String) {
        let key = dir.file("\(name).pem"), pub = dir.file("\(name).pub.pem")
        try openssl(["genpkey", "-algorithm", "ed25519", "-out", key], dir)
        try openssl(["pkey", "-in", key, "-pubout", "-out", pub], dir)
        return (key, pub)
    }

    /// The envelope of `document` signed by `key` with `openssl pkeyutl -sign -rawin`.
    static func envelope(_ document: String, key: String, _ dir: TemporaryDirectory) throws -> String {
        let name = "doc-\(UInt32.random(in: 0...UInt32.max))"
        try document.write(toFile: dir.file("\(name).json"), atomically: true, encoding: .utf8)
        try openssl(["pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", dir.file("\(name).json"), "-out", dir.file("\(name).sig")], dir)
        let signature = try Data(contentsOf: URL(fileURLWithPath: dir.file("\(name).sig")))
        return #"{"document": "\#(Data(document.utf8).base64EncodedString())", "signature": "\#(signature.base64EncodedString())"}"#
    }

    /// The errors of the newest `rejected` report after the first `after`, once one
    /// arrived; it must name `version`, the version the refused payload claims.
    static func rejection(_ rig: PushTests.Rig, after: Int, version: Int) -> [String] {
        var found: [String: Any]?
        _ = waitUntil(timeout: 15, interval: 0.01) {
            found = rig.reports.dropFirst(after).last { ($0["status"] as? String) == "rejected" }
            return found != nil
        }
        #expect(found?["version"] as? Int == version, "\(found ?? [:])")
        return PushTests.errors(found)
    }

    @Test func onlyDocumentsSignedByATrustedKeyApply() throws {
        let rig = try PushTests.Rig(device: "it-push-signed")
        let (key, pub) = try Self.keyPair("trusted", rig.dir)
        let (otherKey, _) = try Self.keyPair("other", rig.dir)
        let agent = try rig.start(#"{"broker": "\#(rig.broker.url)", "interval": 0.3, "inputs": [{"type": "hwmon"}], "config_public_keys": ["\#(pub)"]}"#)
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { rig.online() }, "\(rig.log)")

        // Signed by the trusted key (stock openssl): applied.
        let v1 = #"{"version": 1, "config": {"interval": 0.25, "inputs": [{"type": "hwmon"}]}}"#
        let signedV1 = try Self.envelope(v1, key: key, rig.dir)
        try rig.publish(signedV1)
        #expect(rig.report(1, "applied") != nil, "\(rig.reports)\n\(rig.log.suffix(2000))")

        // Signed by a key it does not trust, through `cairn ctl push`: the table names the refusal, not "no report".
        try #"{"version": 2, "config": {"interval": 8}}"#.write(toFile: rig.dir.file("v2-other.json"), atomically: true, encoding: .utf8)
        let (pushStatus, table) = try AgentBinary.run(["ctl", "push", "--broker", rig.broker.url, "--device", rig.device, "--sign-key", otherKey,
                                                       "--timeout", "15", rig.dir.file("v2-other.json")], directory: rig.dir)
        #expect(pushStatus == 1, "\(table)")
        let row = table.split(separator: "\n").first { $0.hasPrefix(rig.device) }.map(String.init) ?? ""
        #expect(row.contains(" 2 ") && row.contains("rejected") && row.contains("signature does not verify"), "\(table)")

        // Unsigned: refused, whatever it says.
        var before = rig.reports.count
        try rig.publish(#"{"version": 2, "config": {"interval": 5}}"#)
        #expect(Self.rejection(rig, after: before, version: 2).contains { $0.contains("unsigned document but config_public_keys are provisioned") }, "\(rig.reports.suffix(1))")

        // Tampered: a valid signature of another document.
        before = rig.reports.count
        let signedOther = try Self.envelope(#"{"version": 2, "config": {"interval": 0.3}}"#, key: key, rig.dir)
        let tampered = signedOther.replacingOccurrences(of: Data(#"{"version": 2, "config": {"interval": 0.3}}"#.utf8).base64EncodedString(),
                                                        with: Data(#"{"version": 2, "config": {"interval": 9.0}}"#.utf8).base64EncodedString())
        #expect(tampered != signedOther)
        try rig.publish(tampered)
        #expect(Self.rejection(rig, after: before, version: 2).contains { $0.contains("signature does not verify against any trusted key") }, "\(rig.reports.suffix(1))")

        // Signed by a key the device does not trust.
        before = rig.reports.count
        try rig.publish(try Self.envelope(#"{"version": 2, "config": {"interval": 9}}"#, key: otherKey, rig.dir))
        #expect(Self.rejection(rig, after: before, version: 2).contains { $0.contains("signature does not verify") }, "\(rig.reports.suffix(1))")

        // Signed with `cairn ctl sign`, version 2: applied.
        let v2 = #"{"version": 2, "config": {"interval": 0.2, "inputs": [{"type": "hwmon"}]}}"#
        try v2.write(toFile: rig.dir.file("v2.json"), atomically: true, encoding: .utf8)
        let (status, sealed) = try AgentBinary.run(["ctl", "sign", "--key", key, rig.dir.file("v2.json")], directory: rig.dir)
        #expect(status == 0, "\(sealed)")
        try rig.publish(sealed.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(rig.report(2, "applied") != nil, "\(rig.reports.suffix(2))\n\(rig.log.suffix(2000))")

        // The old signed document replayed: its signature still verifies, its version is refused.
        before = rig.reports.count
        try rig.publish(signedV1)
        #expect(Self.rejection(rig, after: before, version: 1).contains { $0.contains("older than version 2") }, "\(rig.reports.suffix(1))")
        #expect(waitUntil(timeout: 5) { rig.status()["config_pushed_version"] as? Int == 2 })
        #expect(agent.isRunning)
        #expect(agent.terminate() == 0)
    }
}
