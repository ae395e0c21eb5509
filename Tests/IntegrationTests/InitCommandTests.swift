import Foundation
import Testing
import CairnTestSupport

/// `cairn init` (the real binary): the file it writes from flags or from answers
/// on a terminal is one `cairn config check` accepts; an existing file is kept
/// without --force; a password makes the file 0600.
@Suite struct InitCommandTests {
    static func cairn(_ arguments: [String], input: String? = "") throws -> (status: Int32, output: String) {
        if let wrapper = AgentBinary.wrapper { return try runTool(wrapper, [AgentBinary.path] + arguments, input: input) }
        return try runTool(AgentBinary.path, arguments, input: input)
    }

    static func json(_ path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
    }

    @Test func initFromFlagsWritesAFileConfigCheckAcceptsWithTheGivenValues() throws {
        let dir = TemporaryDirectory("cairn-init")
        let pki = try TestPKI()
        dir.write("ca.pem", try String(contentsOfFile: pki.ca, encoding: .utf8))
        let output = dir.file("etc/cairn.json")
        let written = try Self.cairn(["init", "--output", output, "--device-id", "gw-17", "--broker", "mqtts://127.0.0.1:8883",
                                      "--ca-file", dir.file("ca.pem"), "--data-dir", dir.file("data"), "--no-check"])
        #expect(written.status == 0, "\(written.output)")
        let config = Self.json(output)
        #expect(config["device_id"] as? String == "gw-17")
        #expect(config["broker"] as? String == "mqtts://127.0.0.1:8883")
        #expect(config["ca_file"] as? String == dir.file("ca.pem"))
        #expect(config["password"] == nil)
        #expect(Self.mode(output) == 0o644)
        let check = try Self.cairn(["config", "check", output])
        #expect(check.status == 0 && check.output.contains(": ok ("), "\(check.output)")
        let show = try Self.cairn(["config", "show", "--config", output])
        #expect(show.output.contains("gw-17") && show.output.contains("mqtts://127.0.0.1:8883"), "\(show.output)")
    }

    /// Without --no-check, init ends with the doctor's checks on what it wrote: its exit
    /// status says whether the gateway reaches the broker, and the file stays written either way.
    @Test func initRunsTheDoctorChecksOnTheFileItWrote() throws {
        let dir = TemporaryDirectory("cairn-init")
        let broker = try Broker()
        let reached = dir.file("reached.json")
        let green = try Self.cairn(["init", "--output", reached, "--device-id", "gw-18", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                                    "--data-dir", dir.file("data")])
        #expect(green.status == 0, "\(green.output)")
        #expect(green.output.contains("wrote \(reached)"), "\(green.output)")
        #expect(green.output.contains("round_trip") && green.output.contains("pass"), "\(green.output)")

        let unreached = dir.file("unreached.json")
        broker.stop()
        let down = try Self.cairn(["init", "--output", unreached, "--device-id", "gw-18", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                                   "--data-dir", dir.file("data")])
        #expect(down.status == 1, "\(down.output)")
        #expect(down.output.contains("nothing listens on 127.0.0.1:\(broker.port)"), "\(down.output)")
        #expect(Self.json(unreached)["device_id"] as? String == "gw-18")
    }

    @Test func anExistingFileIsKeptWithoutForceAndReplacedWithIt() throws {
        let dir = TemporaryDirectory("cairn-init")
        let output = dir.file("cairn.json")
        dir.write("cairn.json", "{\"device_id\": \"old\"}\n")
        let refused = try Self.cairn(["init", "--output", output, "--device-id", "new", "--no-check"])
        #expect(refused.status == 1 && refused.output.contains("--force"), "\(refused.output)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "{\"device_id\": \"old\"}\n")
        let forced = try Self.cairn(["init", "--output", output, "--device-id", "new", "--force", "--no-check"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(Self.json(output)["device_id"] as? String == "new")
    }

    @Test func aFileWithAPasswordIsMode0600() throws {
        let dir = TemporaryDirectory("cairn-init")
        let output = dir.file("cairn.json")
        let result = try Self.cairn(["init", "--output", output, "--username", "gw", "--password", "s3cret", "--no-check"])
        #expect(result.status == 0, "\(result.output)")
        #expect(Self.mode(output) == 0o600)
        #expect(Self.json(output)["password"] as? String == "s3cret")
        #expect(!result.output.contains("s3cret"))
    }

    @Test func anInvalidValueWritesNothing() throws {
        let dir = TemporaryDirectory("cairn-init")
        let output = dir.file("cairn.json")
        let result = try Self.cairn(["init", "--output", output, "--broker", "http://x", "--no-check"])
        #expect(result.status == 1 && result.output.contains("$.broker"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// Under a pseudo-terminal (python3's pty): each prompt is answered in turn; the password is not echoed.
    @Test func onATerminalItAsksForWhatTheFlagsLeaveOut() throws {
        let dir = TemporaryDirectory("cairn-init")
        let output = dir.file("cairn.json")
        let pki = try TestPKI()
        dir.write("ca.pem", try String(contentsOfFile: pki.ca, encoding: .utf8))
        let answers: [(prompt: String, answer: String)] = [
            ("device id [", "gw-tty"), ("broker URL", "mqtt://127.0.0.1:1999"), ("CA certificates file", dir.file("missing.pem")),
            ("CA certificates file", dir.file("ca.pem")), ("client certificate file", ""), ("MQTT user name", "tty-user"),
            ("MQTT password", "hunter2-secret"), ("config-signing public key files", ""),
        ]
        dir.write("drive.py", """
        import os, pty, sys, json, time
        answers = json.loads(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[2], sys.argv[2:])
        seen = b""
        transcript = b""
        def read_until(text, deadline):
            global seen, transcript
            while text.encode() not in seen:
                if time.time() > deadline: raise SystemExit("no prompt " + text + ": " + seen.decode(errors="replace"))
                try: chunk = os.read(fd, 1024)
                except OSError: raise SystemExit("ended before " + text + ": " + seen.decode(errors="replace"))
                if not chunk: raise SystemExit("ended before " + text)
                seen += chunk
                transcript += chunk
            seen = seen[seen.index(text.encode()) + len(text):]
        for prompt, answer in answers:
            read_until(prompt, time.time() + 20)
            read_until("]: ", time.time() + 20)
            os.write(fd, (answer + "\\n").encode())
        rest = b""
        while True:
            try: chunk = os.read(fd, 1024)
            except OSError: break
            if not chunk: break
            rest += chunk
        _, status = os.waitpid(pid, 0)
        sys.stdout.write((transcript + rest).decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: answers.map { [$0.prompt, $0.answer] }), as: UTF8.self)
        let command = (AgentBinary.wrapper.map { [$0] } ?? []) + [AgentBinary.path, "init", "--output", output, "--no-check"]
        let result = try runTool("python3", [dir.file("drive.py"), json] + command)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("cannot read \(dir.file("missing.pem"))"), "an unreadable file is asked again: \(result.output)")
        #expect(!result.output.contains("hunter2-secret"), "the password was echoed: \(result.output)")
        let config = Self.json(output)
        #expect(config["device_id"] as? String == "gw-tty")
        #expect(config["broker"] as? String == "mqtt://127.0.0.1:1999")
        #expect(config["ca_file"] as? String == dir.file("ca.pem"))
        #expect(config["username"] as? String == "tty-user")
        #expect(config["password"] as? String == "hunter2-secret")
        #expect(config["cert_file"] == nil && config["config_public_keys"] == nil)
        #expect(Self.mode(output) == 0o600)
        #expect(try Self.cairn(["config", "check", output]).status == 0)
    }
}
