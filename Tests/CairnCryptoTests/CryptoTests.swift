import CairnCore
import CairnTestSupport
import Foundation
import Testing
@testable import CairnCrypto

/// Runs the stock `openssl` command line; returns (exit status, stdout+stderr).
@discardableResult
func openssl(_ arguments: [String], in directory: TemporaryDirectory) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: which("openssl") ?? "/usr/bin/openssl")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func readBytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

/// An Ed25519 key pair made by stock OpenSSL: (private PEM path, public PEM path).
func opensslKeyPair(_ name: String, in directory: TemporaryDirectory) throws -> (String, String) {
    let (genpkey, out1) = try openssl(["genpkey", "-algorithm", "ed25519", "-out", "\(name).pem"], in: directory)
    #expect(genpkey == 0, "\(out1)")
    let (pkey, out2) = try openssl(["pkey", "-in", "\(name).pem", "-pubout", "-out", "\(name).pub.pem"], in: directory)
    #expect(pkey == 0, "\(out2)")
    return (directory.file("\(name).pem"), directory.file("\(name).pub.pem"))
}

func envelope(document: String, signature: String) -> [UInt8] {
    bytes(#"{"document":"\#(document)","signature":"\#(signature)"}"#)
}

@Suite struct Ed25519Tests {
    @Test func generateSignVerifyRoundTrip() throws {
        let pair = try Ed25519.generateKeyPair()
        #expect(pair.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pair.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try Ed25519.publicKeyPEM(privateKeyPEM: pair.privateKeyPEM) == pair.publicKeyPEM)
        let message = bytes(#"{"version": 7, "config": {"interval": 5}}"#)
        let signature = try Ed25519.sign(message, privateKeyPEM: pair.privateKeyPEM)
        #expect(signature.count == 64)
        #expect(try Ed25519.sign(message, privateKeyPEM: pair.privateKeyPEM) == signature, "Ed25519 is deterministic")
        #expect(Ed25519.verify(message: message, signature: signature, publicKeyPEM: pair.publicKeyPEM))
        // Empty messages are messages too.
        let empty = try Ed25519.sign([], privateKeyPEM: pair.privateKeyPEM)
        #expect(Ed25519.verify(message: [], signature: empty, publicKeyPEM: pair.publicKeyPEM))
        #expect(!Ed25519.verify(message: [0], signature: empty, publicKeyPEM: pair.publicKeyPEM))
        // Two pairs are different keys.
        let other = try Ed25519.generateKeyPair()
        #expect(other.publicKeyPEM != pair.publicKeyPEM)
        #expect(!Ed25519.verify(message: message, signature: signature, publicKeyPEM: other.publicKeyPEM))
    }

    @Test func verifyIsFalseForEveryBrokenInput() throws {
        let pair = try Ed25519.generateKeyPair()
        let message = bytes("hello")
        let signature = try Ed25519.sign(message, privateKeyPEM: pair.privateKeyPEM)
        var flipped = signature
        flipped[10] ^= 0x01
        #expect(!Ed25519.verify(message: message, signature: flipped, publicKeyPEM: pair.publicKeyPEM))
        #expect(!Ed25519.verify(message: message, signature: Array(signature.prefix(63)), publicKeyPEM: pair.publicKeyPEM))
        #expect(!Ed25519.verify(message: message, signature: signature + [0], publicKeyPEM: pair.publicKeyPEM))
        #expect(!Ed25519.verify(message: message, signature: [], publicKeyPEM: pair.publicKeyPEM))
        #expect(!Ed25519.verify(message: message, signature: signature, publicKeyPEM: ""))
        #expect(!Ed25519.verify(message: message, signature: signature, publicKeyPEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
        // A private key is not a public key.
        #expect(!Ed25519.verify(message: message, signature: signature, publicKeyPEM: pair.privateKeyPEM))
        #expect(throws: CryptoError.self) { try Ed25519.sign(message, privateKeyPEM: pair.publicKeyPEM) }
        #expect(throws: CryptoError.self) { try Ed25519.sign(message, privateKeyPEM: "not a key") }
    }

    /// Keys of other algorithms are refused: with no digest named, an RSA or EC key
    /// would verify with a default digest, and an RSA signature is not 64 bytes anyway.
    @Test func keysOfOtherAlgorithmsAreRefused() throws {
        let directory = TemporaryDirectory("cairn-crypto")
        let (status, output) = try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"], in: directory)
        #expect(status == 0, "\(output)")
        try openssl(["pkey", "-in", "ec.pem", "-pubout", "-out", "ec.pub.pem"], in: directory)
        let ecPrivate = try String(contentsOfFile: directory.file("ec.pem"), encoding: .utf8)
        let ecPublic = try String(contentsOfFile: directory.file("ec.pub.pem"), encoding: .utf8)
        #expect(!Ed25519.isPublicKey(ecPublic))
        #expect(throws: CryptoError("the private key is not an Ed25519 key")) { try Ed25519.sign([1], privateKeyPEM: ecPrivate) }
        directory.write("m", "message")
        try openssl(["pkeyutl", "-sign", "-rawin", "-digest", "sha256", "-inkey", "ec.pem", "-in", "m", "-out", "m.sig"], in: directory)
        let ecSignature = readBytes(directory.file("m.sig"))
        #expect(!ecSignature.isEmpty)
        #expect(!Ed25519.verify(message: bytes("message"), signature: ecSignature, publicKeyPEM: ecPublic))
    }

    /// Stock OpenSSL and Cairn make the same signature (Ed25519 is deterministic), and
    /// each verifies the other's.
    @Test func interoperatesWithOpenSSLPkeyutl() throws {
        let directory = TemporaryDirectory("cairn-crypto")
        let (keyPath, publicPath) = try opensslKeyPair("k", in: directory)
        let privatePEM = try String(contentsOfFile: keyPath, encoding: .utf8)
        let publicPEM = try String(contentsOfFile: publicPath, encoding: .utf8)
        let document = #"{"version": 3, "config": {"interval": 2, "inputs": [{"type": "health"}]}}"# + "\n"
        directory.write("doc.json", document)
        let (signStatus, signOutput) = try openssl(["pkeyutl", "-sign", "-rawin", "-inkey", "k.pem", "-in", "doc.json", "-out", "doc.sig"], in: directory)
        #expect(signStatus == 0, "\(signOutput)")
        let theirs = readBytes(directory.file("doc.sig"))
        #expect(theirs.count == 64)
        #expect(Ed25519.verify(message: bytes(document), signature: theirs, publicKeyPEM: publicPEM))
        #expect(try Ed25519.publicKeyPEM(privateKeyPEM: privatePEM) == publicPEM)

        let ours = try Ed25519.sign(bytes(document), privateKeyPEM: privatePEM)
        #expect(ours == theirs)
        _ = FileManager.default.createFile(atPath: directory.file("ours.sig"), contents: Data(ours))
        let (verifyStatus, verifyOutput) = try openssl(["pkeyutl", "-verify", "-pubin", "-inkey", "k.pub.pem", "-rawin",
                                                        "-in", "doc.json", "-sigfile", "ours.sig"], in: directory)
        #expect(verifyStatus == 0 && verifyOutput.contains("Signature Verified Successfully"), "\(verifyOutput)")

        // A key pair of ours is usable by stock OpenSSL.
        let pair = try Ed25519.generateKeyPair()
        directory.write("ours.pem", pair.privateKeyPEM)
        directory.write("ours.pub.pem", pair.publicKeyPEM)
        let (status, output) = try openssl(["pkeyutl", "-sign", "-rawin", "-inkey", "ours.pem", "-in", "doc.json", "-out", "by-ours.sig"], in: directory)
        #expect(status == 0, "\(output)")
        #expect(Ed25519.verify(message: bytes(document), signature: readBytes(directory.file("by-ours.sig")), publicKeyPEM: pair.publicKeyPEM))
    }
}

@Suite struct SignedDocumentTests {
    let document = bytes(#"{"version": 7, "config": {"interval": 5}}"#)

    @Test func sealThenOpenReturnsTheExactDocument() throws {
        let pair = try Ed25519.generateKeyPair()
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: pair.privateKeyPEM)
        #expect(try SignedDocument.seal(document: document, privateKeyPEM: pair.privateKeyPEM) == sealed, "deterministic bytes")
        let parsed = try JSONParser.parse(String(decoding: sealed, as: UTF8.self))
        #expect(parsed.members?.map(\.key) == ["document", "signature"])
        #expect(Base64.decode(parsed["document"]?.string ?? "") == document)
        #expect(Base64.decode(parsed["signature"]?.string ?? "")?.count == 64)
        #expect(try SignedDocument.open(payload: sealed, trustedKeys: [pair.publicKeyPEM]) == document)
        #expect(throws: SignatureError.self) { try SignedDocument.seal(document: document, privateKeyPEM: pair.publicKeyPEM) }
    }

    /// Envelopes made with nothing but the stock tools open: `openssl pkeyutl -sign -rawin`
    /// and `openssl base64 -A`, as docs/control.md shows.
    @Test func envelopeMadeWithStockOpenSSLOpens() throws {
        let directory = TemporaryDirectory("cairn-crypto")
        let (_, publicPath) = try opensslKeyPair("k", in: directory)
        directory.write("doc.json", String(decoding: document, as: UTF8.self))
        try openssl(["pkeyutl", "-sign", "-rawin", "-inkey", "k.pem", "-in", "doc.json", "-out", "doc.sig"], in: directory)
        let (_, documentBase64) = try openssl(["base64", "-A", "-in", "doc.json"], in: directory)
        let (_, signatureBase64) = try openssl(["base64", "-A", "-in", "doc.sig"], in: directory)
        let payload = envelope(document: documentBase64, signature: signatureBase64)
        // Trusted key given as a path, and as the PEM text.
        #expect(try SignedDocument.open(payload: payload, trustedKeys: [publicPath]) == document)
        let publicPEM = try String(contentsOfFile: publicPath, encoding: .utf8)
        #expect(try SignedDocument.open(payload: payload, trustedKeys: [publicPEM]) == document)
    }

    @Test func tamperedDocumentIsRejected() throws {
        let pair = try Ed25519.generateKeyPair()
        let signature = try Ed25519.sign(document, privateKeyPEM: pair.privateKeyPEM)
        // The signature covers the version too: 7 → 8 with the old signature fails.
        let tampered = bytes(#"{"version": 8, "config": {"interval": 5}}"#)
        // So does every byte, white space included.
        let reformatted = bytes(#"{"version": 7, "config": {"interval": 5}} "#)
        for bad in [tampered, reformatted] {
            let payload = envelope(document: Base64.encode(bad), signature: Base64.encode(signature))
            #expect(throws: SignatureError.notVerified(unusableKeys: [])) {
                try SignedDocument.open(payload: payload, trustedKeys: [pair.publicKeyPEM])
            }
        }
        let good = envelope(document: Base64.encode(document), signature: Base64.encode(signature))
        #expect(try SignedDocument.open(payload: good, trustedKeys: [pair.publicKeyPEM]) == document)
    }

    @Test func wrongKeyIsRejectedWithTheDocumentedMessage() throws {
        let signer = try Ed25519.generateKeyPair()
        let trusted = try Ed25519.generateKeyPair()
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: signer.privateKeyPEM)
        do {
            _ = try SignedDocument.open(payload: sealed, trustedKeys: [trusted.publicKeyPEM])
            Issue.record("a document signed by an untrusted key was accepted")
        } catch {
            #expect(error == .notVerified(unusableKeys: []))
            #expect("\(error)" == "signature does not verify against any trusted key")
        }
    }

    @Test func secondTrustedKeyVerifies() throws {
        let first = try Ed25519.generateKeyPair()
        let second = try Ed25519.generateKeyPair()
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: second.privateKeyPEM)
        #expect(try SignedDocument.open(payload: sealed, trustedKeys: [first.publicKeyPEM, second.publicKeyPEM]) == document)
        // Unusable keys before it do not stop it either.
        #expect(try SignedDocument.open(payload: sealed, trustedKeys: ["/nonexistent/key.pem", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", second.publicKeyPEM]) == document)
    }

    @Test func unusableTrustedKeysAreNamedWhenNothingVerifies() throws {
        let directory = TemporaryDirectory("cairn-crypto")
        let signer = try Ed25519.generateKeyPair()
        let other = try Ed25519.generateKeyPair()
        directory.write("garbage.pem", "not a key\n")
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: signer.privateKeyPEM)
        let keys = [directory.file("missing.pem"), directory.file("garbage.pem"), other.publicKeyPEM, signer.privateKeyPEM]
        do {
            _ = try SignedDocument.open(payload: sealed, trustedKeys: keys)
            Issue.record("accepted")
        } catch {
            #expect(error == .notVerified(unusableKeys: [
                "key 1 (\(directory.file("missing.pem"))): cannot read the file",
                "key 2 (\(directory.file("garbage.pem"))): not an Ed25519 public key in PEM",
                "key 4: not an Ed25519 public key in PEM",
            ]))
            #expect("\(error)".hasPrefix("signature does not verify against any trusted key (unusable: key 1 ("))
        }
    }

    @Test func truncatedSignatureIsMalformed() throws {
        let pair = try Ed25519.generateKeyPair()
        let signature = try Ed25519.sign(document, privateKeyPEM: pair.privateKeyPEM)
        let payload = envelope(document: Base64.encode(document), signature: Base64.encode(Array(signature.prefix(63))))
        #expect(throws: SignatureError.malformed("\"signature\" is 63 bytes, an Ed25519 signature is 64")) {
            try SignedDocument.open(payload: payload, trustedKeys: [pair.publicKeyPEM])
        }
        #expect("\(SignatureError.malformed("x"))" == "malformed envelope: x")
    }

    @Test func badBase64IsMalformed() throws {
        let pair = try Ed25519.generateKeyPair()
        let signature = Base64.encode(try Ed25519.sign(document, privateKeyPEM: pair.privateKeyPEM))
        let documentText = Base64.encode(document)
        let cases: [([UInt8], SignatureError)] = [
            (envelope(document: documentText + "=", signature: signature), .malformed("\"document\" is not standard base64")),
            (envelope(document: "*" + documentText.dropFirst(), signature: signature), .malformed("\"document\" is not standard base64")),
            (envelope(document: documentText, signature: String(signature.dropLast(2))), .malformed("\"signature\" is not standard base64")),
            (envelope(document: documentText, signature: signature.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") + "\\n"),
             .malformed("\"signature\" is not standard base64")),
        ]
        for (payload, expected) in cases {
            #expect(throws: expected) { try SignedDocument.open(payload: payload, trustedKeys: [pair.publicKeyPEM]) }
            // Broken envelopes are errors on devices without keys too.
            #expect(throws: expected) { try SignedDocument.open(payload: payload, trustedKeys: []) }
        }
    }

    @Test func otherMalformedEnvelopes() throws {
        let pair = try Ed25519.generateKeyPair()
        let doc = Base64.encode(document)
        let sig = Base64.encode(try Ed25519.sign(document, privateKeyPEM: pair.privateKeyPEM))
        let cases: [(String, SignatureError)] = [
            (#"{"document":"\#(doc)"}"#, .malformed("no \"signature\"")),
            (#"{"signature":"\#(sig)"}"#, .malformed("no \"document\"")),
            (#"{"document":"\#(doc)","signature":"\#(sig)","version":8}"#,
             .malformed("unexpected member \"version\" (an envelope has only \"document\" and \"signature\")")),
            (#"{"document":{"version":7},"signature":"\#(sig)"}"#, .malformed("\"document\" is an object, not a base64 string")),
            (#"{"document":"","signature":"\#(sig)"}"#, .malformed("\"document\" is empty")),
            ("[1, 2]", .malformed("not a JSON object")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try SignedDocument.open(payload: bytes(text), trustedKeys: [pair.publicKeyPEM]) }
        }
        do {
            _ = try SignedDocument.open(payload: bytes("{\"document\": "), trustedKeys: [pair.publicKeyPEM])
            Issue.record("accepted")
        } catch {
            #expect("\(error)".hasPrefix("malformed envelope: not JSON (line 1, column"))
        }
        // A member given twice (which one would count?) is refused by the JSON reader.
        let twice = #"{"document":"\#(doc)","signature":"\#(sig)","signature":"\#(sig)"}"#
        do {
            _ = try SignedDocument.open(payload: bytes(twice), trustedKeys: [pair.publicKeyPEM])
            Issue.record("accepted")
        } catch {
            #expect(Text.contains("\(error)", "duplicate key \"signature\""), "\(error)")
        }
    }

    @Test func unsignedDocumentWithKeysIsRejectedWithTheDocumentedMessage() throws {
        let pair = try Ed25519.generateKeyPair()
        do {
            _ = try SignedDocument.open(payload: document, trustedKeys: [pair.publicKeyPEM])
            Issue.record("an unsigned document was accepted by a device with keys")
        } catch {
            #expect(error == .unsigned)
            #expect("\(error)" == "unsigned document but config_public_keys are provisioned")
        }
    }

    /// Without keys, nothing is required: a plain document passes as it is (even one
    /// that is not JSON: the caller's parser reports that), an envelope's document unverified.
    @Test func withoutKeysPlainDocumentsAndEnvelopesPass() throws {
        #expect(try SignedDocument.open(payload: document, trustedKeys: []) == document)
        #expect(try SignedDocument.open(payload: bytes("not json"), trustedKeys: []) == bytes("not json"))
        let pair = try Ed25519.generateKeyPair()
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: pair.privateKeyPEM)
        #expect(try SignedDocument.open(payload: sealed, trustedKeys: []) == document)
        #expect(try SignedDocument.envelope(in: sealed)?.document == document)
        #expect(try SignedDocument.envelope(in: document) == nil)
    }

    /// Replay protection is the agent's version check, not the signature: an older
    /// envelope, validly signed, still opens, so the caller must compare its version
    /// with the one in force (strictly increasing) and reject it there.
    @Test func replayedOlderEnvelopeStillVerifiesSoTheVersionCheckMustRejectIt() throws {
        let pair = try Ed25519.generateKeyPair()
        let v7 = try SignedDocument.seal(document: bytes(#"{"version": 7, "config": {}}"#), privateKeyPEM: pair.privateKeyPEM)
        let v8 = try SignedDocument.seal(document: bytes(#"{"version": 8, "config": {}}"#), privateKeyPEM: pair.privateKeyPEM)
        #expect(try JSONParser.parse(String(decoding: SignedDocument.open(payload: v8, trustedKeys: [pair.publicKeyPEM]), as: UTF8.self))["version"]?.integer == 8)
        let replayed = try SignedDocument.open(payload: v7, trustedKeys: [pair.publicKeyPEM])
        #expect(try JSONParser.parse(String(decoding: replayed, as: UTF8.self))["version"]?.integer == 7)
    }

    /// Many verifications leave no OpenSSL error behind and keep working (every EVP
    /// object freed; a leak shows under scripts/sanitize's LeakSanitizer).
    @Test func manyVerificationsInARow() throws {
        let pair = try Ed25519.generateKeyPair()
        let other = try Ed25519.generateKeyPair()
        let sealed = try SignedDocument.seal(document: document, privateKeyPEM: pair.privateKeyPEM)
        for _ in 0..<500 {
            #expect(try SignedDocument.open(payload: sealed, trustedKeys: [other.publicKeyPEM, pair.publicKeyPEM]) == document)
        }
    }
}
