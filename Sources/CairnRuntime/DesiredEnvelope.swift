import CairnCore
import CairnCrypto

/// The one place where a payload of `<prefix>/config/desired` is opened: a plain
/// document, or a signed envelope `{"document": "<base64>", "signature": "<base64>"}`
/// checked by `SignedDocument.open` (Ed25519 over libcrypto, docs/control.md).
/// Whether a signature is required is decided by the device's provisioned keys
/// alone (`config_public_keys`), never by the payload.
enum DesiredEnvelope {
    nonisolated(unsafe) private static var uncheckedLogged = false

    /// The document's bytes (exactly the bytes that were verified), or why the payload cannot be opened.
    static func open(_ payload: [UInt8], trustedKeys: [String]) throws(PushError) -> [UInt8] {
        let document: [UInt8]
        do {
            document = try SignedDocument.open(payload: payload, trustedKeys: trustedKeys)
        } catch {
            throw PushError(error.description)
        }
        if trustedKeys.isEmpty && document != payload && !uncheckedLogged {
            uncheckedLogged = true
            Log.warning("a signed configuration envelope arrived; this device has no config_public_keys, so its signature is not checked")
        }
        return document
    }

    /// The version a payload that could not be opened claims, read without
    /// verifying anything (0: none readable). It only names the refusal in the
    /// report, so that a controller waiting for that version hears about it;
    /// it is never taken (versions advance only by documents that were opened).
    static func claimedVersion(_ payload: [UInt8], maxBytes: Int) -> Int64 {
        let envelope = (try? SignedDocument.envelope(in: payload)) ?? nil
        let bytes = envelope?.document ?? payload
        guard let value = try? JSONParser.parse(bytes: bytes, maxBytes: maxBytes, maxDepth: JSONParser.defaultMaxDepth),
              let version = value["version"]?.integer, version >= 1 else { return 0 }
        return version
    }
}
