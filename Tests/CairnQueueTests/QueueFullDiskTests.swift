import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

/// A filesystem that really fills up: a 1 MiB tmpfs when the tests may mount
/// one (root), otherwise SQLite's own page limit standing in for the disk.
@Suite struct QueueFullDiskTests {
    final class SmallFilesystem {
        let path: String
        let mounted: Bool

        init(inside dir: TemporaryDirectory) {
            path = dir.file("small")
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            mounted = geteuid() == 0 && SmallFilesystem.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path]) == 0
        }

        deinit { if mounted { _ = SmallFilesystem.run("/bin/umount", ["-l", path]) } }

        static func run(_ tool: String, _ arguments: [String]) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test func aFullDiskRejectsCountsAndRecoversWhenSpaceReturns() throws {
        let dir = TemporaryDirectory()
        let small = SmallFilesystem(inside: dir)
        var options = QueueOptions(path: small.path + "/q.db")
        options.budgetBytes = 0  // no budget: the disk itself is the limit here
        let queue = try DurableQueue(options: options)
        let filler = small.path + "/filler"
        if small.mounted {
            // Something else on the card takes most of the space.
            FileManager.default.createFile(atPath: filler, contents: Data(count: 600 * 1024))
        } else {
            try queue.database.execute("PRAGMA max_page_count = 60")
        }

        var stored: Int64 = 0
        var rejectedBatches: Int64 = 0
        for chunk in 0..<400 where rejectedBatches < 3 {
            do {
                try queue.append(telemetry(50, from: chunk * 50, padding: 100))
                stored += 50
            } catch {
                #expect(error.cause.isDiskFull, "expected SQLITE_FULL, got \(error)")
                rejectedBatches += 1
            }
        }
        #expect(rejectedBatches == 3, "the filesystem never filled (mounted: \(small.mounted))")
        #expect(stored > 0)
        #expect(queue.losses[.telemetry, .rejected] == rejectedBatches * 50)
        #expect(try queue.count() == stored, "what was stored before the disk filled is intact")

        // Space returns: the queue works again without a restart.
        if small.mounted {
            try FileManager.default.removeItem(atPath: filler)
        } else {
            try queue.database.execute("PRAGMA max_page_count = 100000")
        }
        #expect(try queue.append(telemetry(10, from: 100_000)) != nil)
        #expect(try queue.count() == stored + 10)
        queue.database.close()

        // The rejections were written down once space returned, so they survive a restart.
        let reopened = try DurableQueue(options: options)
        #expect(reopened.losses[.telemetry, .rejected] == rejectedBatches * 50)
    }
}
