import Foundation
import Testing
import CairnCore
@testable import CairnControl

/// docs/config.md against the code: the settings table against the option
/// table, each section table against the key table its layer declares.
/// Adding a setting or a member without documenting it fails here.
@Suite struct ConfigReferenceTests {
    /// One table row: its cells by column title, backticks removed.
    typealias Row = [String: String]

    /// The doc's tables by the heading above them: key → row. Headings without a table map to no rows.
    static func tables() throws -> [String: [String: Row]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/config.md"), encoding: .utf8)
        var tables: [String: [String: Row]] = [:]
        var heading = ""
        var columns: [String] = []
        func cells(_ line: String) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.replacingOccurrences(of: "`", with: "").trimmingCharacters(in: .whitespaces) }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") {
                heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                tables[heading] = tables[heading] ?? [:]
            } else if line.hasPrefix("| Key |") {
                columns = cells(line)
            } else if line.hasPrefix("| `") {
                let values = cells(line)
                var row: Row = [:]
                for (column, value) in zip(columns, values) { row[column] = value }
                tables[heading, default: [:]][values[0]] = row
            }
        }
        return tables
    }

    @Test func everySettingIsDocumentedWithItsFlagDefaultAndWhetherItCanBePushed() throws {
        let settings = try #require(try Self.tables()["Settings"])
        for option in OptionTable.all {
            guard let row = settings[option.key] else {
                Issue.record("docs/config.md: the setting \(option.key) is missing from the Settings table")
                continue
            }
            #expect(row["Flag"] == option.flag, "\(option.key)")
            #expect(row["Default"] == option.defaultValue.shownText, "\(option.key): the default in the code is \(option.defaultValue.shownText)")
            #expect((row["Push"] == "no") == OptionTable.notPushable.contains(option.key), "\(option.key): Push is \(row["Push"] ?? "missing")")
        }
        let unknown = Set(settings.keys).subtracting(OptionTable.all.map { $0.key })
        #expect(unknown.isEmpty, "docs/config.md names settings the code does not know: \(unknown.sorted())")
    }

    @Test func everySectionMemberIsDocumentedWithItsDefaultAndRange() throws {
        let tables = try Self.tables()
        for group in OptionTable.sectionKeys {
            guard let rows = tables[group.title] else {
                Issue.record("docs/config.md: no heading \"\(group.title)\"")
                continue
            }
            for key in group.keys {
                guard let row = rows[key.name] else {
                    Issue.record("docs/config.md, \(group.title): \(key.name) is missing")
                    continue
                }
                #expect(row["Default"] == key.defaultText, "\(group.title): \(key.name): the default in the code is \(key.defaultText)")
                // A range or a list of choices the key checks opens the "Allowed values" cell (more may follow after ';' or ',').
                if let allowed = key.allowedText, let cell = row["Allowed values"] {
                    #expect(cell == allowed || cell.hasPrefix(allowed + ";") || cell.hasPrefix(allowed + ","),
                            "\(group.title): \(key.name): the code allows \(allowed), the doc says \(cell)")
                }
            }
            let unknown = Set(rows.keys).subtracting(group.keys.map { $0.name })
            #expect(unknown.isEmpty, "docs/config.md, \(group.title): members the code does not know: \(unknown.sorted())")
        }
        // Every table in the doc is one the code has.
        let known = Set(["Settings"] + OptionTable.sectionKeys.map { $0.title })
        let stray = tables.filter { !$0.value.isEmpty && !known.contains($0.key) }.map { $0.key }
        #expect(stray.isEmpty, "docs/config.md has key tables the code does not: \(stray.sorted())")
    }
}
