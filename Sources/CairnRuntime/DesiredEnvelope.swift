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
}
