import Foundation
import Testing
import CairnTestSupport

/// Upgrades keep the queue. The package is installed with `dpkg --root` into a throwaway
/// root and the installed binary is run from there as the service would run it. There is
/// no systemd here, so the test does what prerm and postinst would ask systemd to do: it
/// stops the agent with SIGTERM before `dpkg -i` and starts the new binary after.
/// The "old" and "new" packages hold the same binary under two version numbers (the
/// current one and `<current>+test1`, via CAIRN_VERSION): what changes across the upgrade
/// is the package, not the code. The queue's schema migration across an upgrade is
/// exercised with a schema-2 file in `anUpgradeMigratesASchema2Queue...`.
@Suite(.serialized) struct UpgradeTests {
    let dir = TemporaryDirectory("cairn-upgrade")
    var target: String { dir.file("root") }
    var dpkg: String { "dpkg --root='\(target)' --force-not-root --force-script-chrootless --log=/dev/null" }
    var queueFile: String { "\(target)/var/lib/cairn/queue.db" }

    /// packaging/build-deb with a package version of its own; returns the .deb's path.
    func deb(version: String) throws -> String {
        let (status, output) = try PackagingTests.bash("packaging/build-deb x86_64 '\(PackagingTests.binary)'",
                                                       environment: ["DIST": dir.file("dist-\(version)"), "CAIRN_VERSION": version])
        try #require(status == 0, "build-deb failed:\n\(output)")
        return dir.file("dist-\(version)/cairn_\(version)_amd64.deb")
    }

    func install(_ deb: String) throws -> String {
        if !FileManager.default.fileExists(atPath: "\(target)/var/lib/dpkg/status") {
            dir.write("root/var/lib/dpkg/status", "")
            for sub in ["updates", "info"] {
                try FileManager.default.createDirectory(atPath: "\(target)/var/lib/dpkg/\(sub)", withIntermediateDirectories: true)
            }
        }
        let (status, output) = try PackagingTests.bash("\(dpkg) -i '\(deb)' 2>&1")
        try #require(status == 0, "dpkg -i failed:\n\(output)")
        return output
    }

    /// The installed binary, run as cairn.service runs it, plus what a test needs.
    func agent(_ broker: Broker, sysfs: FakeSysfs, log: String) throws -> ChildProcess {
        try ChildProcess("\(target)/usr/bin/cairn", [
            "run", "--config", "\(target)/etc/cairn/cairn.json", "--data-dir", "\(target)/var/lib/cairn",
            "--broker", broker.url, "--device-id", "up", "--sysfs-root", sysfs.path, "--interval", "0.2",
            "--reconnect-min", "0.2", "--reconnect-max", "1", "--status-listen", "127.0.0.1:\(freeLoopbackPort())",
        ], log: log, holdStopSignals: true)
    }

    /// Records in the queue, as the installed `cairn queue stats` counts them.
    func queued() -> Int? {
        guard let (status, output) = try? PackagingTests.bash(
            "'\(target)/usr/bin/cairn' queue stats --config '\(target)/etc/cairn/cairn.json' --data-dir '\(target)/var/lib/cairn' 2>&1"),
              status == 0, let line = output.split(separator: "\n").first(where: { $0.hasPrefix("queue: ") }) else { return nil }
        return Int(line.dropFirst("queue: ".count).split(separator: " ")[0])
    }

    func highestSequence() throws -> Int {
        Int(try sqlite(queueFile, "SELECT seq FROM sqlite_sequence WHERE name='records';").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func sysfs() -> FakeSysfs {
        let sysfs = FakeSysfs(dir)
        sysfs.hwmon(0, name: "testchip")
        sysfs.set(hwmon: 0, "temp1_input", "40000")
        return sysfs
    }

    /// A broker with a persistent subscriber on the device's topics, then stopped: the
    /// subscription survives, so what the agent sends once the broker is back reaches it.
    func downBrokerWithSubscriber() throws -> (Broker, Subscriber) {
        let broker = try Broker()
        let subscriber = try Subscriber(port: broker.port, topic: "cairn/up/#", log: dir.file("sub.log"))
        _ = waitUntil(timeout: 5) { Broker.clientCount(log: broker.process?.log ?? "") >= 1 }
        broker.stop()
        return (broker, subscriber)
    }

    @Test func upgradingWithABacklogStopsCleanlyKeepsTheQueueAndDrainsItWithNoGap() throws {
        let old = try deb(version: PackagingTests.version)
        let new = try deb(version: "\(PackagingTests.version)+test1")
        _ = try install(old)
        var (status, output) = try PackagingTests.bash("'\(target)/usr/bin/cairn' --version")
        #expect(status == 0 && output.contains("cairn \(PackagingTests.version)"), "\(output)")
        (status, output) = try PackagingTests.bash("'\(target)/usr/bin/cairn' config check '\(target)/etc/cairn/cairn.json'")
        #expect(status == 0, "the installed config is refused:\n\(output)")

        let (broker, subscriber) = try downBrokerWithSubscriber()
        let sysfs = sysfs()
        var agent = try agent(broker, sysfs: sysfs, log: dir.file("old.log"))
        #expect(waitUntil(timeout: 20) { (queued() ?? 0) >= 30 }, "no backlog:\n\(agent.log.suffix(2000))")
        // prerm upgrade: systemd's stop is SIGTERM; the agent must exit cleanly.
        #expect(agent.terminate() == 0, "\(agent.log.suffix(2000))")
        let backlog = try #require(queued())
        let highest = try highestSequence()
        #expect(backlog == highest, "the backlog is not 1…\(highest): \(backlog) records")
        let before = FileManager.default.contents(atPath: queueFile)

        output = try install(new)
        #expect(output.contains("Unpacking cairn (\(PackagingTests.version)+test1) over (\(PackagingTests.version))"), "\(output)")
        (_, output) = try PackagingTests.bash("dpkg-query --admindir='\(target)/var/lib/dpkg' -W -f '${Version}' cairn")
        #expect(output == "\(PackagingTests.version)+test1", "\(output)")
        #expect(FileManager.default.contents(atPath: queueFile) == before, "dpkg touched the queue file")

        // postinst: systemd would restart it; the new binary starts and the broker comes back.
        agent = try self.agent(broker, sysfs: sysfs, log: dir.file("new.log"))
        defer { agent.terminate() }
        try broker.start()
        #expect(waitUntil(timeout: 30) { Set(subscriber.delivered(prefix: "cairn/up")).isSuperset(of: Set(1...highest)) },
                "missing \(Set(1...highest).subtracting(subscriber.delivered(prefix: "cairn/up")).sorted().prefix(30)) of 1…\(highest):\n\(agent.log.suffix(2000))")
        // New readings continue the sequence after the backlog.
        #expect(waitUntil(timeout: 10) { subscriber.sequences(topic: "cairn/up/telemetry").contains { $0 > highest } })
        #expect(agent.terminate() == 0)
    }

    /// The old agent's queue at schema 2 (as an earlier release left it, built with the SQL
    /// of that release), with records in it: the upgraded agent migrates it to the current
    /// schema and delivers those records with their own sequence numbers.
    @Test func anUpgradeMigratesASchema2QueueAndDrainsItsRecords() throws {
        _ = try install(try deb(version: PackagingTests.version))
        var rows: [String] = []
        for seq in 1...20 {
            rows.append("(\(seq), 2, \(1_800_000_000_000 + seq), '\"sensor\":\"old/s\(seq)\",\"value\":\(seq),\"unit\":\"C\"', \(seq * 1000), 1, 1)")
        }
        _ = try sqlite(queueFile, """
            CREATE TABLE records(seq INTEGER PRIMARY KEY AUTOINCREMENT, stream INTEGER NOT NULL, time_ms INTEGER NOT NULL, body TEXT NOT NULL);
            CREATE INDEX records_stream ON records(stream, seq);
            ALTER TABLE records ADD COLUMN mono_ms INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE records ADD COLUMN boot INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE records ADD COLUMN clock_ok INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE boots(id INTEGER PRIMARY KEY, boot_id TEXT NOT NULL UNIQUE);
            CREATE TABLE counters(stream INTEGER NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(stream, reason));
            INSERT INTO boots VALUES (1, 'an-earlier-boot');
            INSERT INTO records(seq, stream, time_ms, body, mono_ms, boot, clock_ok) VALUES \(rows.joined(separator: ",\n"));
            PRAGMA user_version = 2;
            """)
        _ = try install(try deb(version: "\(PackagingTests.version)+test1"))

        let (broker, subscriber) = try downBrokerWithSubscriber()
        try broker.start()
        let agent = try agent(broker, sysfs: sysfs(), log: dir.file("agent.log"))
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 30) { Set(subscriber.sequences(topic: "cairn/up/telemetry")).isSuperset(of: Set(1...20)) },
                "\(agent.log.suffix(2000))")
        let readings = subscriber.payloads(topic: "cairn/up/telemetry").flatMap { ($0["readings"] as? [[String: Any]]) ?? [] }
        for seq in 1...20 {
            #expect(readings.contains { $0["seq"] as? Int == seq && $0["sensor"] as? String == "old/s\(seq)" }, "seq \(seq)")
        }
        #expect(try sqlite(queueFile, "PRAGMA user_version;").trimmingCharacters(in: .whitespacesAndNewlines) == "5")
        #expect(!agent.log.contains("moved"), "\(agent.log.suffix(2000))")
    }

    /// A downgrade: the queue file says a newer Cairn wrote it. The installed binary moves
    /// it aside unchanged, says so in its log and in a `queue.recovered` event, and runs on.
    @Test func aQueueFromANewerCairnIsMovedAsideUnchangedAndSaidSo() throws {
        _ = try install(try deb(version: PackagingTests.version))
        let (broker, subscriber) = try downBrokerWithSubscriber()
        let sysfs = sysfs()
        var agent = try agent(broker, sysfs: sysfs, log: dir.file("first.log"))
        #expect(waitUntil(timeout: 20) { (queued() ?? 0) >= 10 })
        #expect(agent.terminate() == 0)
        _ = try sqlite(queueFile, "PRAGMA user_version = 6;")
        let before = try #require(FileManager.default.contents(atPath: queueFile))

        try broker.start()
        agent = try self.agent(broker, sysfs: sysfs, log: dir.file("second.log"))
        defer { agent.terminate() }
        let events = { subscriber.payloads(topic: "cairn/up/events").filter { $0["type"] as? String == "io.cairn.queue.recovered" } }
        #expect(waitUntil(timeout: 20) { !events().isEmpty }, "\(agent.log.suffix(2000))")
        let data = events().first?["data"] as? [String: Any] ?? [:]
        let movedTo = data["moved_to"] as? String ?? ""
        #expect(movedTo.hasPrefix("\(queueFile).newer-"), "\(data)")
        #expect((data["reason"] as? String)?.hasPrefix("written by a newer Cairn (queue schema 6;") == true, "\(data)")
        #expect(FileManager.default.contents(atPath: movedTo) == before, "the moved file changed")
        let line = agent.log.split(separator: "\n").first { $0.contains("was written by a newer Cairn") }.map(String.init) ?? ""
        for part in [" error queue \(queueFile) was written by a newer Cairn (queue schema 6;", "moved unchanged to \(movedTo)",
                     "install that newer Cairn again", "move the file back to \(queueFile)"] {
            #expect(line.contains(part), "log line lacks \(part):\n\(agent.log.suffix(2000))")
        }
        #expect(agent.isRunning)
    }
}
