import CairnCore
import CairnCrypto

/// `cairn ctl keygen|sign|push|status`: the controller's side of configuration push,
/// in the agent's own binary (docs/control.md).
enum ControllerCommand {
    static func run(_ arguments: [String]) -> Int32 {
        guard let action = arguments.first else {
            Commands.output(CommandHelp.named("ctl")!.text)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do throws(UsageError) {
            switch action {
            case "keygen": return try keygen(rest)
            case "sign": return try sign(rest)
            case "verify": return try verify(rest)
            case "push": return try ControllerPush.run(rest)
            case "status": return try ControllerStatus.run(rest)
            default: throw UsageError("unknown ctl command \"\(action)\" (keygen, sign, verify, push, status; see cairn ctl --help)")
            }
        } catch {
            Commands.fail(error.message)
            return 2
        }
    }

    /// `cairn ctl keygen --out KEY.pem`: a new Ed25519 key pair, the private key in
    /// KEY.pem (mode 0600) and the public key in KEY.pub.pem. Never overwrites.
    static func keygen(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try ControllerArguments(arguments, command: "keygen", flags: ["--out"])
        guard parsed.positional.isEmpty else { throw UsageError("unexpected argument \(parsed.positional[0])") }
        guard let out = parsed.value("--out"), !out.isEmpty else { throw UsageError("--out KEY.pem is required") }
        let publicPath = publicKeyPath(out)
        for path in [out, publicPath] where Files.exists(path) {
            throw UsageError("\(path) exists: not overwriting a key")
        }
        let pair: Ed25519.KeyPair
        do throws(CryptoError) {
            pair = try Ed25519.generateKeyPair()
        } catch {
            Commands.fail("\(error)")
            return 1
        }
        do throws(SystemError) {
            try Files.create(out, Array(pair.privateKeyPEM.utf8), mode: 0o600)
            try Files.create(publicPath, Array(pair.publicKeyPEM.utf8), mode: 0o644)
        } catch {
            Commands.fail("\(error)")
            return 1
        }
        Commands.output("""
            private key: \(out) (keep it secret; it signs with cairn ctl sign/push --sign-key)
            public key:  \(publicPath) (give it to devices in config_public_keys)
            \(pair.publicKeyPEM)
            """)
        return 0
    }

    /// KEY.pem → KEY.pub.pem; any other name gets `.pub.pem` appended.
    static func publicKeyPath(_ privatePath: String) -> String {
        privatePath.hasSuffix(".pem") ? String(privatePath.dropLast(4)) + ".pub.pem" : privatePath + ".pub.pem"
    }

    /// `cairn ctl sign --key KEY.pem DOC.json`: the envelope on stdout.
    static func sign(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try ControllerArguments(arguments, command: "sign", flags: ["--key"])
        guard let keyPath = parsed.value("--key") else { throw UsageError("--key KEY.pem is required") }
        guard parsed.positional.count == 1 else { throw UsageError("give one document: cairn ctl sign --key KEY.pem DOC.json") }
        let document = try DocumentFile.read(parsed.positional[0])
        guard try SignedDocument.envelope(in: document, file: parsed.positional[0]) == nil else {
            throw UsageError("\(parsed.positional[0]) is already a signed envelope")
        }
        _ = try DocumentFile.version(of: document, file: parsed.positional[0])
        let envelope = try DocumentFile.seal(document, keyPath: keyPath)
        Commands.output(String(decoding: envelope, as: UTF8.self) + "\n")
        return 0
    }
}

extension ControllerCommand {
    /// `cairn ctl verify --key PUB.pem [--key …] FILE`: what a device with these
    /// `config_public_keys` does with FILE (SignedDocument.open, the agent's own code):
    /// the document it would apply on stdout (exit 0), or why it would reject it (exit 1).
    static func verify(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try ControllerArguments(arguments, command: "verify", flags: ["--key"])
        let keys = parsed.all("--key")
        guard !keys.isEmpty else { throw UsageError("--key PUB.pem is required (repeatable: each a trusted public key)") }
        guard parsed.positional.count == 1 else { throw UsageError("give one file: cairn ctl verify --key PUB.pem DOC.signed.json") }
        let file = parsed.positional[0]
        let payload = try DocumentFile.read(file)
        let document: [UInt8]
        do throws(SignatureError) {
            document = try SignedDocument.open(payload: payload, trustedKeys: keys)
        } catch {
            Commands.fail("\(file): \(error)")
            return 1
        }
        var bytes = document
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(1, $0.baseAddress!, $0.count) }
        return 0
    }
}

/// A desired document as the controller reads it from a file (the agent parses what
/// arrives with `DesiredDocument`).
enum DocumentFile {
    /// The agents' default `config_max_bytes`.
    static let defaultMaxBytes = 262_144

    static func read(_ path: String) throws(UsageError) -> [UInt8] {
        guard let bytes = Files.readBytes(path) else { throw UsageError("cannot read \(path)") }
        return bytes
    }

    /// The document's `version`, which must be a whole number ≥ 1.
    static func version(of document: [UInt8], file: String) throws(UsageError) -> Int64 {
        guard let version = version(of: document) else {
            throw UsageError("\(file) is not a desired document: a JSON object with \"version\" (a whole number ≥ 1)")
        }
        return version
    }

    /// The version of a plain document, nil when it has none.
    static func version(of document: [UInt8]) -> Int64? {
        guard let value = try? JSONParser.parse(String(decoding: document, as: UTF8.self), maxBytes: Int.max),
              let version = value["version"]?.integer, version >= 1 else { return nil }
        return version
    }

    /// The version of what is on a `desired` topic: a plain document or an envelope's (unverified).
    static func version(ofPayload payload: [UInt8]) -> Int64? {
        guard let envelope = try? SignedDocument.envelope(in: payload) else { return version(of: payload) }
        return version(of: envelope.document)
    }

    static func seal(_ document: [UInt8], keyPath: String) throws(UsageError) -> [UInt8] {
        guard let key = Files.read(keyPath, limit: 64 * 1024) else { throw UsageError("cannot read the key \(keyPath)") }
        do throws(SignatureError) {
            return try SignedDocument.seal(document: document, privateKeyPEM: key)
        } catch {
            throw UsageError("\(keyPath): \(error)")
        }
    }
}

extension SignedDocument {
    /// `envelope(in:)` for a file given on the command line.
    static func envelope(in payload: [UInt8], file: String) throws(UsageError) -> Envelope? {
        do throws(SignatureError) {
            return try envelope(in: payload)
        } catch {
            throw UsageError("\(file): \(error)")
        }
    }
}

/// Columns of text, each as wide as its widest cell (the last one not padded).
enum TextTable {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map { $0.utf8.count }
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count { widths[column] = max(widths[column], cell.utf8.count) }
        }
        var out = ""
        for row in [header] + rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                line += cell
                if column < row.count - 1 {
                    var pad = widths[column] - cell.utf8.count + 2
                    while pad > 0 { line += " "; pad -= 1 }
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
