import CairnControl
import CairnCore

/// `cairn config check FILE [flags]`: every error of a config file, one line
/// each (`file:line:column: $.path: message`), exit 1; or a one-line summary, exit 0.
enum ConfigCheck {
    static func run(_ arguments: [String]) -> Int32 {
        guard let file = arguments.first, !file.hasPrefix("--") else {
            Commands.fail("usage: cairn config check FILE [flags] (see cairn config --help)")
            return 2
        }
        switch ConfigLoader.check(file: file, flags: Array(arguments.dropFirst())) {
        case .failure(let found):
            var out = ""
            for error in found.errors { out += line(error, file: file) + "\n" }
            let count = found.errors.count
            out += "\(file): \(count) error\(count == 1 ? "" : "s")\n"
            Commands.errorOutput(out)
            return 1
        case .success(let config):
            let settings = Files.read(file, limit: ConfigLoader.maxConfigBytes + 1)
                .flatMap { try? JSONParser.parse($0, maxBytes: ConfigLoader.maxConfigBytes) }?.members?.count ?? 0
            Commands.output("\(file): ok (\(counted(settings, "setting")), \(counted(config.inputs.count, "input")), "
                + "\(counted(config.pipelines.count, "pipeline")), \(counted(config.rules.count, "rule")))\n")
            return 0
        }
    }

    /// `file:line:column: $.path: message`; without a position, `file: $.path: message`
    /// (a check across settings); an error of a flag as it is.
    static func line(_ error: ConfigError, file: String) -> String {
        let path = error.path.isEmpty ? "" : error.path + ": "
        if error.line > 0 { return "\(error.source):\(error.line):\(error.column): \(path)\(error.message)" }
        if error.source.isEmpty && error.path.isEmpty { return error.message }
        return "\(error.source.isEmpty ? file : error.source): \(path)\(error.message)"
    }

    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
