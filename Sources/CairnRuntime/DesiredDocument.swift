import CairnControl
import CairnCore

/// One problem with a pushed document: where (a JSON path such as
/// `$.inputs[2].port`, or `$` for the whole payload) and why.
struct ConfigIssue: Equatable {
    let path: String
    let message: String

    init(_ path: String, _ message: String) {
        self.path = path.isEmpty ? JSONPath.root : path
        self.message = message
    }
}

/// Why a pushed document was refused before it could be checked as a
/// configuration: every problem found, and its version when it could be read.
struct PushError: Error, CustomStringConvertible {
    var issues: [ConfigIssue]
    /// The document's version, 0 when it could not be read.
    var version: Int64 = 0

    init(_ message: String, path: String = JSONPath.root) {
        issues = [ConfigIssue(path, message)]
    }

    init(issues: [ConfigIssue], version: Int64) {
        self.issues = issues
        self.version = version
    }

    var description: String { issues.map { "\($0.path): \($0.message)" }.joined(separator: "; ") }

    /// A reader error as a problem of the whole payload.
    static func unreadable(_ error: JSONError) -> PushError {
        if error.message.hasPrefix("not UTF-8") || error.message.hasPrefix("document is ") { return PushError(error.message) }
        return PushError("not valid JSON at line \(error.line), column \(error.column): \(error.message)")
    }
}

/// A desired document as published on `<prefix>/config/desired` (after the
/// envelope, if any, was opened):
///
///     {"version": 7, "config": {...the configuration, as in the local file...}}
///     {"version": 8, "base": 7, "patch": {...RFC 7386 merge patch against version 7's configuration...}}
struct DesiredDocument {
    enum Body {
        case config(JSONValue)
        case patch(base: Int64, JSONValue)
    }

    let version: Int64
    let body: Body

    /// Reads and checks the document's shape (not the configuration in it).
    /// Size, UTF-8 and nesting (at most 32 levels) are checked by the reader
    /// before and while it reads.
    static func parse(_ bytes: [UInt8], maxBytes: Int) throws(PushError) -> DesiredDocument {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: bytes, maxBytes: maxBytes, maxDepth: JSONParser.defaultMaxDepth)
        } catch {
            throw PushError.unreadable(error)
        }
        guard let members = value.members else {
            throw PushError("the document must be a JSON object, not \(value.kindName)")
        }
        var issues: [ConfigIssue] = []
        var version: Int64 = 0
        if let raw = value["version"] {
            if let number = raw.integer, number >= 1 {
                version = number
            } else {
                issues.append(ConfigIssue("$.version", "expected a whole number of at least 1, found \(raw.integer.map { "\($0)" } ?? raw.kindName)"))
            }
        } else {
            issues.append(ConfigIssue("$.version", "\"version\" is required"))
        }
        for member in members where !["version", "config", "base", "patch"].contains(member.key) {
            issues.append(ConfigIssue(JSONPath.member(JSONPath.root, member.key),
                                      "unknown member \"\(member.key)\" (a document has version and config, or version, base and patch)"))
        }
        var body: Body?
        switch (value["config"], value["base"], value["patch"]) {
        case (let config?, nil, nil):
            if config.members != nil {
                body = .config(config)
            } else {
                issues.append(ConfigIssue("$.config", "must be an object (a configuration, as in the local file), not \(config.kindName)"))
            }
        case (nil, let base?, let patch?):
            if base.integer == nil || base.integer! < 0 {
                issues.append(ConfigIssue("$.base", "expected the whole-number version the patch applies to (0: none pushed yet), found \(base.kindName)"))
            }
            if patch.members == nil {
                issues.append(ConfigIssue("$.patch", "must be an object (a JSON Merge Patch of the configuration), not \(patch.kindName)"))
            }
            if let number = base.integer, number >= 0, patch.members != nil { body = .patch(base: number, patch) }
        case (nil, nil, nil):
            issues.append(ConfigIssue(JSONPath.root, "the document has neither \"config\" nor \"base\" and \"patch\""))
        case (_?, _, _):
            issues.append(ConfigIssue(JSONPath.root, "the document has \"config\" and a patch: one or the other"))
        case (nil, nil, _?):
            issues.append(ConfigIssue("$.base", "a patch needs \"base\", the version it applies to"))
        case (nil, _?, nil):
            issues.append(ConfigIssue("$.patch", "\"base\" without \"patch\""))
        }
        guard issues.isEmpty, let body else { throw PushError(issues: issues, version: version) }
        return DesiredDocument(version: version, body: body)
    }
}
