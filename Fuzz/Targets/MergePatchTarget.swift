import CairnCore

/// JSON merge patch (RFC 7386: `JSONMergePatch.apply(_:to:)`) on documents
/// from the JSON reader. An input is one JSON document, `[target, patch]`;
/// anything else is only fed to the reader. Beyond not crashing, the result R
/// of applying patch P to target T:
/// - P not an object: R is P;
/// - P an object: R is an object; a member of P that is null is absent from R;
///   any other member k of P gives R[k] = apply(P[k], T[k]) (T[k] absent: null);
///   a member of T (when an object) that P does not name is in R unchanged; R
///   has no other members, and no key twice;
/// - applying P again to R gives R (a merge patch is idempotent).
/// Member order is not checked. An error thrown by `apply` (a depth limit, say)
/// is not a finding.
public enum MergePatchTarget {
    public static func check(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let document = try? JSONParser.parse(text), let pair = document.array, pair.count == 2 else { return nil }
        let (target, patch) = (pair[0], pair[1])
        guard let result = merged(patch, into: target) else { return nil }
        if let problem = problem(result, patch: patch, target: target) { return problem }
        guard let again = merged(patch, into: result) else { return "applying the patch to its own result failed" }
        if !FuzzCheck.same(again, result) {
            return "not idempotent: \(JSONWriter.encode(result)) then \(JSONWriter.encode(again))"
        }
        return nil
    }

    /// `apply`, whether or not it throws (nil: it threw).
    static func merged(_ patch: JSONValue, into target: JSONValue) -> JSONValue? {
        do {
            return try JSONMergePatch.apply(patch, to: target)
        } catch {
            return nil
        }
    }

    /// What is wrong with `result` as the merge of `patch` into `target` (nil: nothing).
    static func problem(_ result: JSONValue, patch: JSONValue, target: JSONValue) -> String? {
        guard let patchMembers = patch.members else {
            return FuzzCheck.same(result, patch) ? nil : "a patch that is not an object must replace the target"
        }
        guard let resultMembers = result.members else { return "an object patch gave \(result.kindName)" }
        var keys: [String] = []
        for member in resultMembers {
            if keys.contains(member.key) { return "key \"\(member.key)\" twice in the result" }
            keys.append(member.key)
        }
        let targetMembers = target.members ?? []
        for member in patchMembers {
            let inResult = result[member.key]
            if member.value == .null {
                if inResult != nil { return "member \"\(member.key)\" is null in the patch but still in the result" }
                continue
            }
            guard let inResult else { return "member \"\(member.key)\" of the patch is missing from the result" }
            guard let expected = merged(member.value, into: target[member.key] ?? .null) else { continue }
            if !FuzzCheck.same(inResult, expected) { return "member \"\(member.key)\" is not the patch's value merged into the target's" }
        }
        for member in targetMembers where patch[member.key] == nil {
            guard let inResult = result[member.key] else { return "member \"\(member.key)\" of the target, not in the patch, was removed" }
            if !FuzzCheck.same(inResult, member.value) { return "member \"\(member.key)\" of the target, not in the patch, was changed" }
        }
        for key in keys where patch[key] == nil && target[key] == nil {
            return "member \"\(key)\" is in neither the target nor the patch"
        }
        return nil
    }
}
