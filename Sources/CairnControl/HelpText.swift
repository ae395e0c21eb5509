/// `--help` text in two columns: a flag or command on the left, what it does on
/// the right, wrapped so that no line is wider than `width`. A left side too long
/// for the column gets a line of its own, and its text starts on the next line.
public enum HelpText {
    public static let width = 100
    /// Where the right column starts; the left side is indented by two spaces.
    public static let column = 32

    /// A struct, not a labelled tuple: converting an array of unlabelled tuple literals
    /// to labelled ones is a dynamic cast, which Embedded Swift cannot do.
    public struct Row {
        public let left: String
        public let text: String
        public init(_ left: String, _ text: String) {
            self.left = left
            self.text = text
        }
    }

    public static let configRow = Row("--config FILE", "read settings from a JSON file; flags override it")

    /// Rows for options of the table, all of them or those with the given keys in table order.
    public static func optionRows(keys: [String]? = nil) -> [Row] {
        OptionTable.all.filter { keys?.contains($0.key) ?? true }.map { Row("\($0.flag) \($0.placeholder)", $0.help) }
    }

    public static func render(_ rows: [Row]) -> String {
        var out = ""
        for row in rows {
            var line = "  " + row.left
            if line.utf8.count + 2 > column {
                out += line + "\n"
                line = ""
            }
            for piece in wrap(row.text, width: width - column) {
                while line.utf8.count < column { line += " " }
                out += line + piece + "\n"
                line = ""
            }
        }
        return out
    }

    /// Words of `text` filled into lines of at most `width` bytes (a longer word stands alone).
    public static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.utf8.count + 1 + word.utf8.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines.isEmpty || !line.isEmpty ? lines + [line] : lines
    }
}
