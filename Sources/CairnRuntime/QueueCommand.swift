import CairnControl
import CairnCore
import CairnQueue

/// `cairn queue stats|peek|purge [--stream S] [--limit N]`: for technicians,
/// safe while the agent runs (WAL readers do not block it; purge takes the
/// write lock briefly and counts what it deletes).
enum QueueCommand {
    static func run(_ arguments: [String]) -> Int32 {
        guard let action = arguments.first, ["stats", "peek", "purge"].contains(action) else {
            Commands.fail("usage: \(CommandHelp.named("queue")!.usage) (see cairn queue --help)")
            return 2
        }
        var rest = Array(arguments.dropFirst())
        var stream: QueueStream?
        var limit = 10
        var index = 0
        while index < rest.count {
            let flag = rest[index]
            if flag == "--stream" || flag == "--limit" {
                guard index + 1 < rest.count else {
                    Commands.fail("\(flag) needs a value")
                    return 2
                }
                let value = rest[index + 1]
                if flag == "--stream" {
                    guard let named = QueueStream(name: value) else {
                        Commands.fail("--stream: \"\(value)\" is not events, metadata or telemetry")
                        return 2
                    }
                    stream = named
                } else {
                    guard let n = Int(value), n > 0 else {
                        Commands.fail("--limit: expected a positive whole number")
                        return 2
                    }
                    limit = n
                }
                rest.removeSubrange(index...(index + 1))
            } else {
                index += 1
            }
        }
        guard let config = Commands.configuration(rest) else { return 2 }
        let options = config.queueOptions
        guard Files.exists(options.path) else {
            Commands.fail("no queue at \(options.path) (--data-dir?)")
            return 1
        }
        do {
            let queue = try DurableQueue(options: options, recover: false)
            switch action {
            case "stats": Commands.output(render(try queue.stats()))
            case "peek": Commands.output(try peek(queue, stream: stream, limit: limit))
            default:
                let removed = try queue.purge(stream: stream)
                Commands.output("purged \(removed) records from \(stream?.name ?? "all streams") (counted as purged)\n")
            }
            return 0
        } catch {
            Commands.fail("\(error)")
            return 1
        }
    }

    static func render(_ stats: QueueStats) -> String {
        let budget = stats.budgetBytes.map { $0 > 0 ? "budget \(Numbers.bytes($0))" : "an unbounded budget" }
            ?? "a budget not yet recorded (no agent has opened this file since it could)"
        var out = "queue: \(stats.records) records, \(Numbers.bytes(stats.usedBytes)) used of \(budget) (file \(Numbers.bytes(stats.fileBytes))), next seq \(stats.nextSequence)\n"
        for s in stats.streams {
            out += "  \(s.stream.name): \(s.records) records, \(Numbers.bytes(s.bytes)) of bodies"
            if s.records > 0 { out += ", oldest seq \(s.oldestSequence) at \(Clock.rfc3339(s.oldestTime))" }
            if s.unsynced > 0 { out += ", \(s.unsynced) with untrusted clock" }
            out += "\n"
        }
        let losses = stats.losses.entries
        out += losses.isEmpty ? "losses: none\n" : "losses:\n"
        for (stream, reason, count) in losses { out += "  \(stream.name) \(reason.rawValue): \(count)\n" }
        return out
    }

    static func peek(_ queue: DurableQueue, stream: QueueStream?, limit: Int) throws(QueueError) -> String {
        var out = ""
        for s in QueueStream.allCases where stream == nil || stream == s {
            for record in try queue.records(stream: s, after: 0, limit: limit) {
                out += "\(s.name) seq=\(record.sequence) time=\(Clock.rfc3339(record.time))\(record.trusted ? "" : " clock=untrusted") {\(record.fragment)}\n"
            }
        }
        return out.isEmpty ? "queue is empty\n" : out
    }
}
