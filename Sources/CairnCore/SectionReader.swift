/// Reads one JSON object of a config section (an input, a stage, a rule) with
/// errors that point at the offending member's line and column, and rejects
/// members nobody asked for, so a typo ("treshold") is an error, not a silent default.
/// Each layer reads its own section entries with it.
public struct SectionReader {
    public let members: [JSONMember]
    public let source: String
    /// Where the object itself is, for errors about a missing member: its
    /// first member, else the member holding it (array elements have no position).
    public let line: Int
    public let column: Int
    /// What the object is, for messages: "input 2", "stage 1 of pipeline \"hwmon/*\"".
    public let what: String
    /// The object's JSON path, e.g. `$.inputs[2]` (errors about a member add its key).
    public let path: String
    private var used: Set<String> = []
    /// The members this kind of entry may hold (`declare`): one read but not declared is unknown too.
    private var declared: Set<String> = []
    /// Bad values of members that have a default or may be absent: each is recorded and
    /// reading goes on without it, so that one entry's mistakes are all named at once.
    private var problems: [ConfigError] = []

    public init(_ value: JSONValue, what: String, source: String, at parent: JSONMember, path: String = "") throws(ConfigError) {
        guard let members = value.members else {
            throw ConfigError("\(what) must be an object, not \(value.kindName)", source: source, line: parent.line, column: parent.column, path: path)
        }
        self.members = members
        self.source = source
        self.what = what
        self.path = path
        line = members.first?.line ?? parent.line
        column = members.first?.column ?? parent.column
    }

    /// Where the object stands, for checks made after reading.
    public var position: SourcePosition { SourcePosition(line: line, column: column) }

    /// A parser's own check failed. When values were already found bad, those are the
    /// error instead: a check that combines members runs on valid members only (it
    /// would otherwise judge a default that stood in for a bad value).
    public func error(_ message: String) -> ConfigError {
        recordedFirst ?? ConfigError("\(what): \(message)", source: source, line: line, column: column, path: path)
    }

    public func error(_ message: String, at member: JSONMember) -> ConfigError {
        recordedFirst ?? make(message, at: member)
    }

    private func make(_ message: String, at member: JSONMember) -> ConfigError {
        ConfigError("\(what): \(member.key): \(message)", source: source, line: member.line, column: member.column, path: memberPath(member.key))
    }

    /// The first recorded problem carrying the others; nil when there are none.
    private var recordedFirst: ConfigError? {
        guard var first = problems.first else { return nil }
        first.others = Array(problems.dropFirst())
        return first
    }

    /// A bad value: thrown for a required member (there is nothing to go on with),
    /// recorded for one that has a default or may be absent (the caller goes on without it).
    private mutating func bad(_ message: String, at member: JSONMember, _ key: SectionKey) throws(ConfigError) {
        let problem = make(message, at: member)
        if case .required = key.absent { throw problem.carrying(problems) }
        // In the order they stand in the file.
        let at = problems.firstIndex { ($0.line, $0.column) > (problem.line, problem.column) } ?? problems.count
        problems.insert(problem, at: at)
    }

    /// The path of one of the object's members (empty when the object has no path).
    public func memberPath(_ key: String) -> String {
        path.isEmpty ? "" : JSONPath.member(path, key)
    }

    /// Adds to the members this entry may hold (its key table).
    public mutating func declare(_ keys: [SectionKey]) {
        for key in keys { declared.insert(key.name) }
    }

    public mutating func member(_ key: String) -> JSONMember? {
        assert(declared.contains(key), "\(what): \"\(key)\" is read but not declared in its key table")
        used.insert(key)
        return members.first { $0.key == key }
    }

    public mutating func member(_ key: SectionKey) -> JSONMember? { member(key.name) }

    // Reading through a key: its kind checks the value, and an absent member
    // is its default, or "is required". The `optional…` forms are for keys
    // without a typed default (`.none`, `.described`): nil when absent.

    public mutating func string(_ key: SectionKey) throws(ConfigError) -> String {
        if let s = try optionalString(key) { return s }
        guard case .string(let s)? = key.defaultValue else { throw missing(key) }
        return s
    }

    public mutating func optionalString(_ key: SectionKey) throws(ConfigError) -> String? {
        guard case .string(let empty) = key.kind else { misread(key) }
        guard let m = member(key.name) else { return nil }
        guard let s = m.value.string, empty || !s.isEmpty else {
            try bad("expected \(empty ? "a string" : "a non-empty string"), found \(m.value.kindName)", at: m, key)
            return nil
        }
        return s
    }

    /// One of the key's names, as `make` turns it into a value.
    public mutating func choice<T>(_ key: SectionKey, _ make: (String) -> T?) throws(ConfigError) -> T {
        guard case .choice(let names) = key.kind else { misread(key) }
        var name: String?
        if let m = member(key.name) {
            if let s = m.value.string, !s.isEmpty {
                name = s
            } else {
                try bad("expected a non-empty string, found \(m.value.kindName)", at: m, key)
            }
            if let given = name, make(given) == nil {
                let quoted = names.map { "\"\($0)\"" }
                try bad("expected \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last ?? "")", at: m, key)
                name = nil
            }
        }
        if let name, let value = make(name) { return value }
        guard case .string(let fallback)? = key.defaultValue, let value = make(fallback) else { throw missing(key) }
        return value
    }

    public mutating func number(_ key: SectionKey) throws(ConfigError) -> Double {
        if let n = try optionalNumber(key) { return n }
        guard case .number(let n)? = key.defaultValue else { throw missing(key) }
        return n
    }

    public mutating func optionalNumber(_ key: SectionKey) throws(ConfigError) -> Double? {
        guard case .number(let range) = key.kind else { misread(key) }
        return try number(key, in: range)
    }

    public mutating func integer(_ key: SectionKey) throws(ConfigError) -> Int {
        guard case .integer(let range) = key.kind else { misread(key) }
        if let n = try integer(key, in: range) { return n }
        guard case .integer(let n)? = key.defaultValue else { throw missing(key) }
        return n
    }

    public mutating func boolean(_ key: SectionKey) throws(ConfigError) -> Bool {
        guard case .boolean = key.kind else { misread(key) }
        if let m = member(key.name) {
            if let flag = m.value.bool { return flag }
            try bad("expected true or false", at: m, key)
        }
        guard case .boolean(let flag)? = key.defaultValue else { throw missing(key) }
        return flag
    }

    /// A string or an array of strings (e.g. include patterns).
    public mutating func strings(_ key: SectionKey) throws(ConfigError) -> [String] {
        guard case .strings = key.kind else { misread(key) }
        if let list = try strings(key) { return list }
        guard case .strings(let list)? = key.defaultValue else { throw missing(key) }
        return list
    }

    /// A command line: a string runs through /bin/sh -c, an array runs as it is.
    public mutating func commandLine(_ key: SectionKey) throws(ConfigError) -> [String] {
        guard case .commandLine = key.kind else { misread(key) }
        guard let run = member(key.name) else { throw missing(key) }
        if let line = run.value.string, !line.isEmpty { return ["/bin/sh", "-c", line] }
        guard let list = try strings(key), !list.isEmpty else {
            throw make("expected a command line or a non-empty array", at: run).carrying(problems)
        }
        return list
    }

    /// A member absent that has no default: "is required" (reading a key
    /// declared `.none` or `.described` this way is a mistake in the parser).
    private func missing(_ key: SectionKey) -> ConfigError {
        guard case .required = key.absent else { misread(key) }
        return ConfigError("\(what): \"\(key.name)\" is required", source: source, line: line, column: column, path: path).carrying(problems)
    }

    private func misread(_ key: SectionKey) -> Never {
        fatalError("\(what): \"\(key.name)\" is read in a way its key table does not declare")
    }

    private mutating func number(_ key: SectionKey, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let m = member(key.name) else { return nil }
        guard let n = m.value.number else {
            try bad("expected a number, found \(m.value.kindName)", at: m, key)
            return nil
        }
        guard range.contains(n) else {
            try bad(Numbers.outside(n, range), at: m, key)
            return nil
        }
        return n
    }

    private mutating func integer(_ key: SectionKey, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let n = try number(key, in: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard n == n.rounded() else {
            try bad("expected a whole number, found \(Numbers.format(n))", at: member(key.name)!, key)
            return nil
        }
        return Int(n)
    }

    private mutating func strings(_ key: SectionKey) throws(ConfigError) -> [String]? {
        guard let m = member(key.name) else { return nil }
        if let s = m.value.string { return [s] }
        guard let items = m.value.array else {
            try bad("expected a string or an array of strings, found \(m.value.kindName)", at: m, key)
            return nil
        }
        var out: [String] = []
        for item in items {
            guard let s = item.string, !s.isEmpty else {
                try bad("expected non-empty strings, found \(item.kindName)", at: m, key)
                return nil
            }
            out.append(s)
        }
        return out
    }

    /// Call last: any member not read so far, or not declared, is unknown (each is named).
    /// The values recorded as bad come first.
    public func rejectUnknown() throws(ConfigError) {
        var errors = ConfigErrors(errors: problems)
        for m in members where !used.contains(m.key) || !declared.contains(m.key) {
            errors.append(ConfigError("\(what): unknown setting \"\(m.key)\"", source: source, line: m.line, column: m.column, path: memberPath(m.key)))
        }
        try errors.throwIfAny()
    }

    /// A section's array, element by element, with the section's member as the position of last resort.
    /// `path`: the array's JSON path (`$.inputs`, `$.pipelines[0].stages`).
    public static func items(_ member: JSONMember, source: String, path: String = "") throws(ConfigError) -> [JSONValue] {
        guard let items = member.value.array else {
            throw ConfigError("\(member.key) must be an array, not \(member.value.kindName)", source: source, line: member.line, column: member.column,
                              path: path)
        }
        return items
    }
}

/// Where a setting stood in the config file, for checks made after parsing
/// (a setting that needs another one). Not part of what a setting is: two
/// settings that say the same are equal wherever they stand.
public struct SourcePosition: Equatable {
    public var line = 0
    public var column = 0

    public init(line: Int = 0, column: Int = 0) {
        self.line = line
        self.column = column
    }

    public static func == (_: SourcePosition, _: SourcePosition) -> Bool { true }
}
