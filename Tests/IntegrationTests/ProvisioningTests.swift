import Foundation
import Testing
import CairnTestSupport

/// First-boot provisioning: `cairn init --first-boot` takes a valid file in
/// (config written, secrets 0600, original removed, outcome recorded) and a real
/// agent started afterwards reports it in its status and its config.applied event;
/// an invalid file is left renamed with its error, the old config is untouched, and
/// the agent runs on with it and reports the rejection.
@Suite(.serialized) struct ProvisioningTests {
    /// A device as an image leaves it: a config file (the generic one) and a boot partition.
    struct Device {
        let setup: StoreAndForwardTests.Setup
        var dir: TemporaryDirectory { setup.dir }
        var config: String { dir.file("etc/cairn.json") }
        var provision: String { dir.file("boot/cairn-provision.json") }
        let original: String

        init(device: String) throws {
            setup = try StoreAndForwardTests.Setup(device: device)
            original = """
            {
              "broker": "\(setup.broker.url)",
              "data_dir": "\(setup.dir.file("data"))",
              "device_id": "\(device)",
              "provision_file": "\(setup.dir.file("boot/cairn-provision.json"))"
            }

            """
            setup.dir.write("etc/cairn.json", original)
        }

        func firstBoot() throws -> (status: Int32, output: String) {
            try InitCommandTests.cairn(["init", "--first-boot", "--output", config])
        }

        func agent() throws -> ChildProcess {
            try AgentBinary.start(["run", "--config", config, "--sysfs-root", setup.sysfs.path, "--interval", "0.3", "--reconnect-min", "0.2"],
                                  log: dir.file("agent.log"))
        }

        func configApplied() -> [[String: Any]] {
            setup.subscriber.payloads(topic: "\(setup.prefix)/events").filter { ($0["type"] as? String) == "io.cairn.config.applied" }
        }

        func status() throws -> [String: Any] {
            let result = try InitCommandTests.cairn(["status", "--json", "--config", config])
            return (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
        }
    }

    @Test func aValidFileIsTakenInAndRemovedAndTheAgentReportsIt() throws {
        let device = try Device(device: "it-provisioned")
        let pki = try TestPKI()
        let ca = try String(contentsOfFile: pki.ca, encoding: .utf8)
        let document: [String: Any] = ["interval": 0.5, "username": "gw", "password": "per-device-secret", "ca_pem": ca, "log_level": "debug"]
        device.dir.write("boot/cairn-provision.json", String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self))

        let result = try device.firstBoot()
        #expect(result.status == 0, "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: device.provision), "the provisioning file is removed")
        let config = InitCommandTests.json(device.config)
        #expect(config["password"] as? String == "per-device-secret")
        #expect(config["interval"] as? Double == 0.5)
        #expect(config["device_id"] as? String == "it-provisioned", "the image's settings stay")
        #expect(config["ca_file"] as? String == device.dir.file("etc/ca.pem"))
        #expect(try String(contentsOfFile: device.dir.file("etc/ca.pem"), encoding: .utf8) == ca)
        #expect(InitCommandTests.mode(device.config) == 0o600 && InitCommandTests.mode(device.dir.file("etc/ca.pem")) == 0o600)
        let record = InitCommandTests.json(device.dir.file("data/provisioning.json"))
        #expect(record["outcome"] as? String == "applied" && record["file"] as? String == device.provision, "\(record)")
        #expect(try InitCommandTests.cairn(["config", "check", device.config]).status == 0)
        // Run again with no file: nothing to do.
        #expect(try device.firstBoot().status == 0)

        let agent = try device.agent()
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { device.configApplied().contains { ReloadTests.data($0)["reason"] as? String == "provisioned" } }, "\(agent.log)")
        let event = ReloadTests.data(device.configApplied().first ?? [:])
        let reported = event["provisioning"] as? [String: Any] ?? [:]
        #expect(reported["outcome"] as? String == "applied" && reported["file"] as? String == device.provision, "\(event)")
        #expect(event["config_version"] as? String == record["config_version"] as? String)
        #expect(waitUntil(timeout: 10) { ((try? device.status())?["provisioning"] as? [String: Any])?["outcome"] as? String == "applied" })
        #expect(agent.log.contains("provisioned from \(device.provision)"))
        let text = try InitCommandTests.cairn(["status", "--config", device.config]).output
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("provisioning ") && $0.contains(" applied 20") && $0.hasSuffix(" from \(device.provision)") }, "\(text)")
        #expect(InitCommandTests.json(device.dir.file("data/provisioning.json"))["reported"] as? Bool == true, "reported once, not at every start")
    }

    @Test func anInvalidFileIsLeftRenamedWithItsErrorAndTheAgentRunsOnAsBefore() throws {
        let device = try Device(device: "it-rejected")
        device.dir.write("boot/cairn-provision.json", "{\n  \"interval\": \"fast\",\n  \"key_pem\": \"not a key\"\n}\n")

        let result = try device.firstBoot()
        #expect(result.status == 1, "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: device.provision))
        #expect(FileManager.default.fileExists(atPath: device.provision + ".invalid"))
        let error = try String(contentsOfFile: device.provision + ".error", encoding: .utf8)
        #expect(error.contains("\(device.provision):2:3: $.interval: "), "\(error)")
        #expect(error.contains("\(device.provision):3:3: $.key_pem: "), "\(error)")
        #expect(try String(contentsOfFile: device.config, encoding: .utf8) == device.original, "the old config is untouched")
        #expect(!FileManager.default.fileExists(atPath: device.dir.file("etc/key.pem")))
        let record = InitCommandTests.json(device.dir.file("data/provisioning.json"))
        #expect(record["outcome"] as? String == "rejected", "\(record)")

        let agent = try device.agent()
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { !device.setup.subscriber.sequences(topic: device.setup.telemetryTopic).isEmpty }, "the agent runs on: \(agent.log)")
        #expect(waitUntil(timeout: 10) { !device.configApplied().isEmpty })
        let event = ReloadTests.data(device.configApplied().first ?? [:])
        let reported = event["provisioning"] as? [String: Any] ?? [:]
        #expect(event["reason"] as? String == "start" && reported["outcome"] as? String == "rejected", "\(event)")
        #expect(((reported["errors"] as? [String]) ?? []).contains { $0.contains("$.interval") }, "\(reported)")
        #expect(waitUntil(timeout: 10) { ((try? device.status())?["provisioning"] as? [String: Any])?["outcome"] as? String == "rejected" })
        #expect(try device.status()["config_version"] as? String == ReloadTests.version(device.original), "the previous configuration")
        #expect(agent.log.contains("rejected"))
    }
}
