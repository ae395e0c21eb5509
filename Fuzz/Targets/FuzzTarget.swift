import CairnCore
import CairnInputs

/// One fuzz target: a name (`scripts/fuzz <name>`, `Fuzz/corpus/<name>/`,
/// `Fuzz/crashes/<name>/`) and a check that feeds one input to the code under
/// test. A crash in that code is a finding; so is a broken property, which the
/// check returns as a message (nil: the input passed).
public struct FuzzTarget {
    public let name: String
    public let check: ([UInt8]) -> String?

    public init(name: String, check: @escaping ([UInt8]) -> String?) {
        self.name = name
        self.check = check
    }
}

public enum FuzzTargets {
    /// Every target. A new target is one file in Fuzz/Targets and one line here (docs/fuzzing.md).
    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "json", check: JSONReaderTarget.check),
        FuzzTarget(name: "config", check: ConfigTarget.check),
        FuzzTarget(name: "merge-patch", check: MergePatchTarget.check),
        FuzzTarget(name: "southbound", check: SouthboundTarget.check),
        FuzzTarget(name: "http-ingest", check: HTTPIngestTarget.check),
        FuzzTarget(name: "command-output", check: CommandOutputTarget.check),
    ]

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Checks shared by the targets.
public enum FuzzCheck {
    /// The same JSON value, ignoring where members stood in their source text
    /// (`JSONMember`'s `==` compares positions too).
    public static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !same(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where x[i].key != y[i].key || !same(x[i].value, y[i].value) { return false }
            return true
        default: return false
        }
    }

    /// Nesting depth: 0 for a scalar, 1 for `[]` or `{}`.
    public static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): return 1 + items.reduce(0) { max($0, depth($1)) }
        case .object(let members): return 1 + members.reduce(0) { max($0, depth($1.value)) }
        default: return 0
        }
    }

    /// nil when `id` is a sensor id as the LAN inputs promise it: non-empty, at
    /// most `maxBytes` bytes (nil: no limit), no control characters, spaces, DEL,
    /// `+` or `#`, and no empty level (unless `emptyLevels`).
    public static func sensorIDProblem(_ id: String, maxBytes: Int? = 256, emptyLevels: Bool = false) -> String? {
        if id.isEmpty { return "an empty sensor id" }
        if let maxBytes, id.utf8.count > maxBytes { return "sensor id of \(id.utf8.count) bytes, over \(maxBytes): \(id)" }
        if id.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) {
            return "sensor id \"\(id)\" holds a space, control character, '+' or '#'"
        }
        if !emptyLevels, id.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) { return "sensor id \"\(id)\" has an empty level" }
        return nil
    }

    /// nil when a reading from an input is sound: a valid id (`sensorIDProblem`), a finite value, the time `now`.
    public static func readingProblem(_ reading: Reading, now: Int64, maxBytes: Int? = 256, emptyLevels: Bool = false) -> String? {
        if let problem = sensorIDProblem(reading.sensor, maxBytes: maxBytes, emptyLevels: emptyLevels) { return problem }
        if !reading.value.isFinite { return "reading \(reading.sensor) has the value \(reading.value)" }
        if reading.time != now { return "reading \(reading.sensor) at \(reading.time), not at \(now)" }
        return nil
    }

    /// nil when every failure names a sensor and says why.
    public static func failureProblem(_ failures: [SensorFailure]) -> String? {
        for failure in failures where failure.sensor.isEmpty || failure.reason.isEmpty {
            return "a failure without a sensor or a reason: \"\(failure.sensor)\": \"\(failure.reason)\""
        }
        return nil
    }

    /// nil when line and column (1-based, columns in UTF-8 bytes) name a place
    /// in `text`: a character of one of its lines, or just past a line's end.
    public static func positionProblem(line: Int, column: Int, in text: String) -> String? {
        var lengths: [Int] = [0]
        for byte in text.utf8 {
            if byte == 0x0A { lengths.append(0) } else { lengths[lengths.count - 1] += 1 }
        }
        guard line >= 1, line <= lengths.count else {
            return "line \(line) outside the text's \(lengths.count) line(s)"
        }
        guard column >= 1, column <= lengths[line - 1] + 1 else {
            return "column \(column) outside line \(line) (\(lengths[line - 1]) bytes)"
        }
        return nil
    }
}

/// Inputs on disk, as bytes: the committed seeds and crashes, for replays.
public enum FuzzFiles {
    /// The regular files in `directory` (not below it), sorted by name; none when it does not exist.
    public static func inputs(in directory: String) -> [(name: String, bytes: [UInt8])] {
        var found: [(name: String, bytes: [UInt8])] = []
        for name in Files.list(directory) where !name.hasPrefix(".") {
            let path = directory + "/" + name
            guard !Files.isDirectory(path), let bytes = read(path) else { continue }
            found.append((name, bytes))
        }
        return found
    }

    /// A whole file's bytes, exactly as stored (Files.read would repair bytes that are not UTF-8).
    public static func read(_ path: String) -> [UInt8]? {
        Files.readBytes(path, limit: Int.max)
    }
}
