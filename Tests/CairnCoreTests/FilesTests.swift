import Foundation
import Testing
@testable import CairnCore

/// Files.list at the C boundary (issue 10): readdir's records are variable-length, so the
/// names must come out whole however long they are and wherever a record falls in libc's
/// buffer. Under `swift test --sanitize=address` the old struct-copying loop is reported
/// as a heap overflow here; on the armv7 binary it crashed (cross/stress covers that).
@Suite struct FilesTests {
    /// A fresh directory, removed afterwards.
    private func withDirectory(_ body: (String) throws -> Void) rethrows {
        let path = NSTemporaryDirectory() + "cairn-files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    /// Names of every length from 1 to NAME_MAX (255), and many of them: records of all
    /// sizes, several buffer refills, short records at the end of full buffers.
    @Test func listsManyNamesOfEveryLength() {
        withDirectory { path in
            var expected: [String] = []
            for length in 1...255 {
                for variant in 0..<3 {
                    let stem = String(repeating: "abcdefghij", count: 26)
                    let name = String("\(variant)\(length)_\(stem)".prefix(length))
                    guard !expected.contains(name) else { continue }
                    expected.append(name)
                    FileManager.default.createFile(atPath: "\(path)/\(name)", contents: nil)
                }
            }
            let listed = Files.list(path)
            #expect(listed.count == expected.count)
            #expect(listed == expected.sorted())
            #expect(listed.contains { $0.utf8.count == 255 })
            #expect(!listed.contains(".") && !listed.contains(".."))
        }
    }

    /// The shape of the armv7 crash: one hwmon chip with 47 labelled channels (95 entries).
    @Test func listsAnHwmonChipWithManyChannels() {
        withDirectory { path in
            FileManager.default.createFile(atPath: "\(path)/name", contents: Data("chip\n".utf8))
            for channel in 1...47 {
                FileManager.default.createFile(atPath: "\(path)/temp\(channel)_input", contents: Data("42000\n".utf8))
                FileManager.default.createFile(atPath: "\(path)/temp\(channel)_label", contents: Data("Core \(channel)\n".utf8))
            }
            let listed = Files.list(path)
            #expect(listed.count == 95)
            #expect(listed.first == "name")
            #expect(listed.contains("temp47_label"))
        }
    }

    @Test func listOfMissingOrEmptyDirectory() {
        #expect(Files.list("/nonexistent/cairn/\(getpid())").isEmpty)
        withDirectory { path in #expect(Files.list(path).isEmpty) }
    }
}
