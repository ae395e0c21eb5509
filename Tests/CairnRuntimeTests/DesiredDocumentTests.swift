import Testing
import CairnControl
import CairnCore
import CairnTestSupport
@testable import CairnRuntime

/// The payload of <prefix>/config/desired: the envelope, the document's shape.
@Suite struct DesiredDocumentTests {
    func issues(_ text: String) -> [String] {
        do {
            _ = try DesiredDocument.parse(Array(text.utf8), maxBytes: 1 << 20)
            return []
        } catch {
            return error.issues.map { "\($0.path) \($0.message)" }
        }
    }

    @Test func fullDocumentsAndPatchesAreRead() throws {
        let full = try DesiredDocument.parse(Array(#"{"version": 7, "config": {"interval": 5}}"#.utf8), maxBytes: 1000)
        #expect(full.version == 7)
        guard case .config(let config) = full.body else { Issue.record("not a config"); return }
        #expect(config["interval"] == .number(5))
        let patch = try DesiredDocument.parse(Array(#"{"version": 8, "base": 7, "patch": {"interval": null}}"#.utf8), maxBytes: 1000)
        guard case .patch(let base, _) = patch.body else { Issue.record("not a patch"); return }
        #expect(patch.version == 8 && base == 7)
    }

    @Test func everyShapeErrorIsNamed() {
        #expect(issues(#"{"config": {}}"#) == [#"$.version "version" is required"#])
        #expect(issues(#"{"version": 0, "config": {}}"#) == ["$.version expected a whole number of at least 1, found 0"])
        #expect(issues(#"{"version": 1.5, "config": {}}"#) == ["$.version expected a whole number of at least 1, found a number"])
        #expect(issues(#"{"version": 1, "config": [], "extra": 1}"#) == [
            #"$.extra unknown member "extra" (a document has version and config, or version, base and patch)"#,
            "$.config must be an object (a configuration, as in the local file), not an array",
        ])
        #expect(issues(#"{"version": 2, "config": {}, "patch": {}}"#) == [#"$ the document has "config" and a patch: one or the other"#])
        #expect(issues(#"{"version": 2, "patch": {}}"#) == [#"$.base a patch needs "base", the version it applies to"#])
        #expect(issues(#"{"version": 2, "base": 1, "patch": 3}"#) == ["$.patch must be an object (a JSON Merge Patch of the configuration), not a number"])
        #expect(issues(#"{"version": 2}"#) == [#"$ the document has neither "config" nor "base" and "patch""#])
        #expect(issues("[1]") == ["$ the document must be a JSON object, not an array"])
        #expect(issues("{") == ["$ not valid JSON at line 1, column 2: expected a quoted key"])
    }

    @Test func theVersionOfAMalformedDocumentIsKeptWhenReadable() {
        do {
            _ = try DesiredDocument.parse(Array(#"{"version": 4, "config": 1}"#.utf8), maxBytes: 1000)
        } catch {
            #expect(error.version == 4)
        }
    }

    @Test func aPlainDocumentOpensAsItIs() throws {
        let plain = Array(#"{"version": 1, "config": {}}"#.utf8)
        #expect(try DesiredEnvelope.open(plain, trustedKeys: []) == plain)
    }

    @Test func anEnvelopeWithoutKeysYieldsItsDocumentUnchecked() throws {
        let document = Array(#"{"version": 3, "config": {"interval": 2}}"#.utf8)
        let envelope = #"{"document": "\#(Base64.encode(document))", "signature": "\#(Base64.encode([UInt8](repeating: 1, count: 64)))"}"#
        #expect(try DesiredEnvelope.open(Array(envelope.utf8), trustedKeys: []) == document)
    }

    @Test func malformedEnvelopesAreRefusedByPath() {
        func refused(_ text: String) -> [String] {
            do {
                _ = try DesiredEnvelope.open(Array(text.utf8), trustedKeys: [])
                return []
            } catch {
                return error.issues.map { "\($0.path) \($0.message)" }
            }
        }
        #expect(refused(#"{"document": "not base64!", "signature": "AA=="}"#) == [#"$ malformed envelope: "document" is not standard base64"#])
        #expect(refused(#"{"document": "e30=", "extra": 1}"#) == [#"$ malformed envelope: unexpected member "extra" (an envelope has only "document" and "signature")"#])
    }

    @Test func withTrustedKeysAnUnsignedDocumentIsRefused() {
        do {
            _ = try DesiredEnvelope.open(Array(#"{"version": 1, "config": {}}"#.utf8), trustedKeys: ["/etc/cairn/key.pub.pem"])
            Issue.record("opened")
        } catch {
            #expect(error.issues == [ConfigIssue("$", "unsigned document but config_public_keys are provisioned")])
        }
    }

    @Test func reportsRoundTrip() throws {
        let report = ConfigReport(version: 8, status: .rolledBack, inForce: 7, configVersion: "push:7:0123456789abcdef",
                                  errors: [ConfigIssue("$.inputs[2].port", "input 3: port: 70000 is outside 1…65535")], time: 1_795_495_676_207)
        #expect(report.json == #"{"version":8,"status":"rolled-back","in_force":7,"config_version":"push:7:0123456789abcdef","errors":[{"path":"$.inputs[2].port","message":"input 3: port: 70000 is outside 1…65535"}],"time":1795495676207}"#)
        #expect(ConfigReport(try JSONParser.parse(report.json)) == report)
    }

    @Test func atStartAPendingRecordMeansRollbackAndAConfirmedOneDoesNot() throws {
        let dir = TemporaryDirectory()
        let store = PushStore(dataDirectory: dir.path)
        let v1 = StoredDocument(version: 1, digest: "d1", config: try JSONParser.parse(#"{"interval": 1}"#))
        let v2 = StoredDocument(version: 2, digest: "d2", config: try JSONParser.parse(#"{"interval": 2}"#))
        #expect(PushState.boot(dataDirectory: dir.path).lastKnownGood == nil)
        try store.writeLastKnownGood(v1, confirmedAt: 1)
        try store.writePending(PendingPush(document: v2, appliedAt: 1, deadline: 2, bootID: "b", lastKnownGood: 1))
        var state = PushState.boot(dataDirectory: dir.path)
        #expect(state.lastKnownGood?.version == 1 && state.bootRollback?.version == 2)
        #expect(state.bootRollback?.reason == "the agent restarted before the configuration was confirmed")
        // Confirmed, then stopped before pending.json went: no rollback, and the record is cleared.
        try store.writeLastKnownGood(v2, confirmedAt: 2)
        state = PushState.boot(dataDirectory: dir.path)
        #expect(state.lastKnownGood?.version == 2 && state.bootRollback == nil)
        #expect(!Files.exists(store.pendingPath))
        // Two starts in a row that did not last: the local configuration.
        try store.writeStarting(version: 2, starts: 2)
        state = PushState.boot(dataDirectory: dir.path)
        #expect(state.lastKnownGood == nil && state.bootRollback?.dropsLastKnownGood == true && state.bootRollback?.version == 2)
        try store.writeStarting(version: 2, starts: 1)
        #expect(PushState.boot(dataDirectory: dir.path).lastKnownGood?.version == 2)
    }
}
