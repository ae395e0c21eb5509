import CairnControl
import CairnCore

/// `cairn config show`: the configuration a start would run, setting by
/// setting, with the layer each value comes from (built-in default < local
/// file < pushed document < flag), and the state of pushed configurations.
/// `cairn config check FILE` is `ConfigCheck`.
enum ConfigCommand {
    static func run(_ arguments: [String]) -> Int32 {
        if arguments.first == "check" { return ConfigCheck.run(Array(arguments.dropFirst())) }
        guard arguments.first == "show" else {
            Commands.fail("usage: cairn config show [--config FILE] [flags] | cairn config check FILE [flags] (see cairn config --help)")
            return 2
        }
        let rest = Array(arguments.dropFirst())
        guard let base = Commands.configuration(rest) else { return 2 }
        let store = PushStore(dataDirectory: base.agent.dataDirectory)
        var notes: [String] = []
        var layer: PushedLayer?
        var pushedFrom = "none"
        switch store.lastKnownGood() {
        case .found(let document):
            layer = document.layer
            pushedFrom = "version \(document.version), the last-known-good in \(store.lkgPath)"
        case .unreadable: notes.append("\(store.lkgPath) is unreadable: the agent starts on the local configuration")
        case .none: break
        }
        switch store.pending() {
        case .found(let pending):
            notes.append("version \(pending.document.version) was applied at \(Clock.rfc3339(pending.appliedAt)) and is not confirmed (no CONNACK under it yet):"
                + " a running agent rolls it back at \(Clock.rfc3339(pending.deadline)), a start rolls it back at once")
        case .unreadable: notes.append("\(store.pendingPath) is unreadable: a start rolls the pending configuration back")
        case .none: break
        }
        if let report = store.reported().report {
            notes.append("last report on <prefix>/config/reported: version \(report.version) \(report.status.rawValue) at \(Clock.rfc3339(report.time))"
                + (report.errors.isEmpty ? "" : ": " + report.errors.map { "\($0.path) \($0.message)" }.joined(separator: "; ")))
        }
        let settings: [ShownSetting]
        do {
            settings = try ConfigLoader.show(rest, pushed: layer)
        } catch {
            Commands.fail("\(error)")
            return 1
        }
        let file = base.origin.path.isEmpty ? "none" : base.origin.path
        var out = "precedence (later wins): built-in defaults < local file (\(file)) < pushed document (\(pushedFrom)) < command-line flags\n\n"
        let keyWidth = settings.reduce(0) { max($0, $1.key.utf8.count) } + 2
        let sourceWidth = settings.reduce(0) { max($0, $1.source.utf8.count) } + 2
        for setting in settings {
            out += pad(setting.key, keyWidth) + pad(setting.source, sourceWidth) + setting.value + "\n"
        }
        if !notes.isEmpty { out += "\n" + notes.joined(separator: "\n") + "\n" }
        Commands.output(out)
        return 0
    }

    static func pad(_ text: String, _ width: Int) -> String {
        var padded = text
        while padded.utf8.count < width { padded += " " }
        return padded
    }
}
