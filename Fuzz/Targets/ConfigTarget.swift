import CairnControl
import CairnCore
import CairnPipeline

/// The config validator: config file text → `Configuration`, the way
/// `cairn run --config FILE` and a SIGHUP reload take it
/// (`ConfigLoader.apply(text:source:to:)` over the defaults, then `finish()`),
/// without touching the file system: the defaults worked out at start (device
/// id, data directory) are fixed values, and values naming files are not
/// checked (`ConfigOrigin.checksFiles`). An accepted configuration's pipelines
/// and alarm rules are built too, as the runtime builds them. Beyond not
/// crashing: an error that names a line and column names a place inside the
/// text, in this file.
public enum ConfigTarget {
    static let source = "fuzz.json"

    /// `ConfigLoader.defaults()` without the computed defaults, which read
    /// /etc/machine-id and create /var/lib/cairn.
    static let defaults: Configuration = {
        var config = Configuration()
        for option in OptionTable.all {
            guard case .value(let text, _) = option.defaultValue else { continue }
            do {
                try option.apply(&config, .builtIn(text))
            } catch {
                fatalError("the default of \(option.key) is invalid: \(error)")
            }
        }
        config.agent.deviceID = "fuzz"
        config.agent.dataDirectory = "/nonexistent/cairn-fuzz"
        config.origin.checksFiles = false
        return config
    }()

    public static func check(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        var config = defaults
        do {
            try ConfigLoader.apply(text: text, source: source, to: &config)
            try config.finish()
        } catch {
            if error.message.isEmpty { return "an error without a message" }
            guard error.line > 0 else { return nil }
            if error.source != source { return "error \"\(error)\" names \(error.source), not \(source)" }
            return FuzzCheck.positionProblem(line: error.line, column: error.column, in: text).map { "error \"\(error)\": \($0)" }
        }
        // What the runtime makes of an accepted configuration without I/O: the
        // pipelines' stages and the alarm rules (durations in milliseconds, patterns).
        _ = SensorPipelines(config.pipelines.map { $0.declaration })
        _ = RuleSet(config.rules.map { $0.rule })
        return nil
    }
}
