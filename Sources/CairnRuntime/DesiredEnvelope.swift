import CairnCore

/// The one place where a payload of `<prefix>/config/desired` is opened.
///
/// A payload is a plain document, or a signed envelope
/// `{"document": "<base64 of the document's bytes>", "signature": "<base64 of an Ed25519 signature>"}`.
/// Whether a signature is required is decided by the device's provisioned keys
/// alone (`config_public_keys`), never by the payload.
///
/// This build has no verifier (it comes with module CairnCrypto):
/// * no trusted keys: a plain document is returned as it is; an envelope's
///   document is decoded and returned, its signature not checked (logged once);
/// * trusted keys: every payload is refused, because nothing can verify it.
enum DesiredEnvelope {
    nonisolated(unsafe) private static var uncheckedLogged = false

    /// The document's bytes, or why the payload cannot be opened.
    static func open(_ payload: [UInt8], trustedKeys: [String]) throws(PushError) -> [UInt8] {
        guard trustedKeys.isEmpty else {
            throw PushError("signature verification not available in this build")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: payload, maxBytes: payload.count, maxDepth: JSONParser.defaultMaxDepth)
        } catch {
            throw PushError.unreadable(error)
        }
        guard let members = value.members, members.contains(where: { $0.key == "document" }) else {
            return payload
        }
        var issues: [ConfigIssue] = []
        for member in members where member.key != "document" && member.key != "signature" {
            issues.append(ConfigIssue(JSONPath.member(JSONPath.root, member.key), "unknown member of a signed envelope (it has document and signature)"))
        }
        if value["signature"]?.string == nil {
            issues.append(ConfigIssue("$.signature", "a signed envelope needs \"signature\", a base64 string"))
        }
        var document: [UInt8]?
        if let text = value["document"]?.string {
            document = Base64.decode(Array(text.utf8))
            if document == nil { issues.append(ConfigIssue("$.document", "not standard base64")) }
        } else {
            issues.append(ConfigIssue("$.document", "expected a base64 string, found \(value["document"]?.kindName ?? "nothing")"))
        }
        guard issues.isEmpty, let document else { throw PushError(issues: issues, version: 0) }
        if !uncheckedLogged {
            uncheckedLogged = true
            Log.warning("a signed configuration envelope arrived; this device has no config_public_keys, so its signature is not checked")
        }
        return document
    }
}
