/// Why a merge patch could not be applied.
public struct MergePatchError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// JSON Merge Patch (RFC 7386) as a pure function over `JSONValue`.
///
/// A patch that is an object changes the target member by member: `null`
/// removes a member, an object merges into the member recursively, anything
/// else replaces it. A patch that is not an object replaces the target whole.
/// Members keep the target's order; new members follow in the patch's order.
///
/// Recursion follows the patch's nested objects only, one level per level,
/// and stops with an error past `maxDepth` (a parsed document is bounded by
/// the parser's own limit, so that never happens for one): hostile input
/// cannot make it recurse without bound. Cost is linear in the sizes of the
/// objects merged (a key index per object, not a scan per key).
public enum JSONMergePatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue, maxDepth: Int = JSONParser.defaultMaxDepth) throws(MergePatchError) -> JSONValue {
        try merge(patch, into: target, depth: 1, maxDepth: maxDepth)
    }

    private static func merge(_ patch: JSONValue, into target: JSONValue?, depth: Int, maxDepth: Int) throws(MergePatchError) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        guard depth <= maxDepth else { throw MergePatchError("the patch nests deeper than \(maxDepth) levels") }
        // A target that is not an object is replaced by an empty one first.
        var slots: [JSONMember?] = []
        var index: [String: Int] = [:]
        if case .object(let members)? = target {
            slots.reserveCapacity(members.count + changes.count)
            for member in members {
                if let existing = index[member.key] {
                    slots[existing] = member
                } else {
                    index[member.key] = slots.count
                    slots.append(member)
                }
            }
        }
        for change in changes {
            let slot = index[change.key]
            if case .null = change.value {
                if let slot {
                    slots[slot] = nil
                    index[change.key] = nil
                }
                continue
            }
            let merged = try merge(change.value, into: slot.flatMap { slots[$0]?.value }, depth: depth + 1, maxDepth: maxDepth)
            let member = JSONMember(key: change.key, value: merged, line: change.line, column: change.column)
            if let slot {
                slots[slot] = member
            } else {
                index[change.key] = slots.count
                slots.append(member)
            }
        }
        return .object(slots.compactMap { $0 })
    }
}
