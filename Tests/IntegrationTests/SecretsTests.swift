import Foundation
import Testing
import CairnTestSupport

/// Credentials never leave the agent in the clear: not in its log (at debug
/// level, through a login, a refused HTTP request and an accepted one), not in
/// status.json, not in `cairn status` or `cairn config show`, which says they are set.
@Suite(.serialized) struct SecretsTests {
    @Test func passwordsAndTokensAppearInNoLogStatusOrCommandOutput() throws {
        let broker = try Broker()
        let dir = TemporaryDirectory("cairn-secrets")
        let port = freeLoopbackPort()
        let secrets = ["pw-uplink-7f3a9c", "pw-south-51e2d0", "tok-http-9b8c7d6e5f4a3b2c"]
        dir.write("cairn.json", """
            {"broker": "\(broker.url)", "username": "gw", "password": "\(secrets[0])",
             "southbound_broker": "\(broker.url)", "southbound_username": "lan", "southbound_password": "\(secrets[1])",
             "interval": 0.5, "inputs": [{"type": "http", "port": \(port), "token": "\(secrets[2])"}]}
            """)
        let common = ["--config", dir.file("cairn.json"), "--device-id", "it-secrets", "--data-dir", dir.file("data")]
        let agent = try AgentBinary.start(["run", "--log-level", "debug"] + common, log: dir.file("agent.log"))
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 30) { agent.log.contains("connected to \(broker.url)") && Broker.accepts(port: port) }, "\(agent.log)")
        let body = #"{"sensor": "pump", "value": 1}"#
        let refused = try LoopbackHTTP.post(port: port, path: "/readings", body: body,
                                            headers: ["Authorization": "Bearer \(secrets[2])x", "Content-Type": "application/json"])
        #expect(refused.status == 401)
        let accepted = try LoopbackHTTP.post(port: port, path: "/readings", body: body,
                                             headers: ["Authorization": "Bearer \(secrets[2])", "Content-Type": "application/json"])
        #expect(accepted.status < 300, "\(accepted)")

        let (_, shown) = try AgentBinary.run(["config", "show"] + common, directory: dir)
        #expect(shown.components(separatedBy: "(set, not shown)").count - 1 == 3, "\(shown)")
        let (_, status) = try AgentBinary.run(["status"] + common, directory: dir)
        #expect(agent.terminate() == 0)
        let statusFile = (try? String(contentsOfFile: dir.file("data/status.json"), encoding: .utf8)) ?? ""
        for (name, text) in [("the log", agent.log), ("status.json", statusFile), ("cairn config show", shown), ("cairn status", status)] {
            for secret in secrets {
                #expect(!text.contains(secret), "\(name) shows \(secret):\n\(text)")
            }
        }
    }
}
