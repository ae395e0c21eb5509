import CairnCore

/// Why a desired document was not accepted (or could not be signed).
public enum SignatureError: Error, Equatable, CustomStringConvertible {
    /// A plain document reached a device that has `config_public_keys`.
    case unsigned
    /// A well-formed envelope whose signature no trusted key verifies. `unusableKeys`
    /// names the trusted keys that could not be used at all (unreadable file, not an
    /// Ed25519 public key), so a provisioning mistake is visible in the report.
    case notVerified(unusableKeys: [String])
    /// The payload is not an envelope of the documented form.
    case malformed(String)
    /// `seal`: the private key cannot sign.
    case cannotSign(String)

    public var description: String {
        switch self {
        case .unsigned:
            return "unsigned document but config_public_keys are provisioned"
        case .notVerified(let unusable):
            let base = "signature does not verify against any trusted key"
            return unusable.isEmpty ? base : base + " (unusable: " + unusable.joined(separator: "; ") + ")"
        case .malformed(let why):
            return "malformed envelope: \(why)"
        case .cannotSign(let why):
            return "cannot sign: \(why)"
        }
    }
}

/// The signed envelope of a desired document (docs/control.md):
///
///     {"document": "<standard base64 of the document's exact bytes>",
///      "signature": "<standard base64 of the 64-byte Ed25519 signature over those bytes>"}
///
/// The signature covers the document's bytes exactly as they will be applied,
/// version included. Whether a signature is required is decided by the caller's
/// trusted keys alone, never by the payload.
public enum SignedDocument {
    public struct Envelope: Equatable {
        public let document: [UInt8]
        public let signature: [UInt8]
    }

    /// The document to apply, from what arrived on `<prefix>/config/desired`.
    ///
    /// * `trustedKeys` empty (no `config_public_keys`): a plain document is returned as
    ///   it is; an envelope's document is returned unverified (there is nothing to
    ///   verify against, and a plain document would be accepted anyway), so one signed
    ///   push serves a fleet where only some devices have keys. A broken envelope is
    ///   still an error.
    /// * `trustedKeys` not empty: only a well-formed envelope whose signature verifies
    ///   against one of the keys (each tried in turn) passes; its document bytes are
    ///   returned, exactly the bytes that were verified.
    ///
    /// Each key is PEM text (`-----BEGIN PUBLIC KEY-----…`) or the path of a PEM file.
    /// Replays are not detected here: an older envelope still verifies, and the
    /// caller's version check (strictly increasing versions) rejects it.
    public static func open(payload: [UInt8], trustedKeys: [String]) throws(SignatureError) -> [UInt8] {
        let envelope = try parse(payload, required: !trustedKeys.isEmpty)
        guard !trustedKeys.isEmpty else { return envelope?.document ?? payload }
        guard let envelope else { throw SignatureError.unsigned }
        var texts: [String?] = []
        for key in trustedKeys {
            let text = keyText(key)
            if let text, Ed25519.verify(message: envelope.document, signature: envelope.signature, publicKeyPEM: text) {
                return envelope.document
            }
            texts.append(text)
        }
        // Nothing verified: name the keys that could not have verified anything.
        var unusable: [String] = []
        for (index, key) in trustedKeys.enumerated() {
            let name = "key \(index + 1)" + (isPEMText(key) ? "" : " (\(key))")
            guard let text = texts[index] else { unusable.append("\(name): cannot read the file"); continue }
            if !Ed25519.isPublicKey(text) { unusable.append("\(name): not an Ed25519 public key in PEM") }
        }
        throw SignatureError.notVerified(unusableKeys: unusable)
    }

    /// The envelope (JSON bytes) of `document` signed by the private key (PEM text).
    /// Ed25519 is deterministic: the same document and key always give the same bytes.
    public static func seal(document: [UInt8], privateKeyPEM: String) throws(SignatureError) -> [UInt8] {
        let signature: [UInt8]
        do throws(CryptoError) {
            signature = try Ed25519.sign(document, privateKeyPEM: privateKeyPEM)
        } catch {
            throw SignatureError.cannotSign(error.message)
        }
        return encode(Envelope(document: document, signature: signature))
    }

    /// The envelope's JSON exactly as `seal` writes it (one form for the same contents).
    public static func encode(_ envelope: Envelope) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: envelope.document.count * 4 / 3 + 128)
        writer.beginObject()
        writer.key("document")
        writer.string(Base64.encode(envelope.document))
        writer.key("signature")
        writer.string(Base64.encode(envelope.signature))
        writer.endObject()
        return writer.bytes
    }

    /// The envelope in a payload, nil when the payload is not one (a plain document,
    /// or no JSON object at all). An object with a `document` or `signature` member
    /// is an envelope and must be a complete, well-formed one. Nothing is verified.
    public static func envelope(in payload: [UInt8]) throws(SignatureError) -> Envelope? {
        try parse(payload, required: false)
    }

    /// `required`: the payload must be JSON (a device with keys takes nothing else).
    private static func parse(_ payload: [UInt8], required: Bool) throws(SignatureError) -> Envelope? {
        let value: JSONValue
        do throws(JSONError) {
            value = try JSONParser.parse(String(decoding: payload, as: UTF8.self), maxBytes: Int.max)
        } catch {
            if required { throw SignatureError.malformed("not JSON (\(error))") }
            return nil
        }
        guard let members = value.members else {
            if required { throw SignatureError.malformed("not a JSON object") }
            return nil
        }
        guard members.contains(where: { $0.key == "document" || $0.key == "signature" }) else { return nil }
        var document: String?
        var signature: String?
        for member in members {
            switch member.key {
            case "document", "signature":
                // (A key given twice is already refused by the JSON reader.)
                guard let text = member.value.string else {
                    throw SignatureError.malformed("\"\(member.key)\" is \(member.value.kindName), not a base64 string")
                }
                if member.key == "document" { document = text } else { signature = text }
            default:
                throw SignatureError.malformed("unexpected member \"\(member.key)\" (an envelope has only \"document\" and \"signature\")")
            }
        }
        guard let document else { throw SignatureError.malformed("no \"document\"") }
        guard let signature else { throw SignatureError.malformed("no \"signature\"") }
        guard let documentBytes = Base64.decode(document) else {
            throw SignatureError.malformed("\"document\" is not standard base64")
        }
        guard !documentBytes.isEmpty else { throw SignatureError.malformed("\"document\" is empty") }
        guard let signatureBytes = Base64.decode(signature) else {
            throw SignatureError.malformed("\"signature\" is not standard base64")
        }
        guard signatureBytes.count == Ed25519.signatureBytes else {
            throw SignatureError.malformed("\"signature\" is \(signatureBytes.count) bytes, an Ed25519 signature is 64")
        }
        return Envelope(document: documentBytes, signature: signatureBytes)
    }

    private static func isPEMText(_ key: String) -> Bool {
        Text.trimmed(key).hasPrefix("-----BEGIN")
    }

    /// The PEM text of a trusted key given as text or as a file path; nil when the file cannot be read.
    static func keyText(_ key: String) -> String? {
        isPEMText(key) ? key : Files.read(key, limit: 64 * 1024)
    }
}
