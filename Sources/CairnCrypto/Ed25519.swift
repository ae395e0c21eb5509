import CCrypto
import CairnCore

/// What went wrong in libcrypto, with OpenSSL's own reason when it gave one.
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Ed25519 (RFC 8032) through OpenSSL's libcrypto: the one wrapper of that library.
/// Keys travel as PEM text: PKCS#8 `-----BEGIN PRIVATE KEY-----` and SubjectPublicKeyInfo
/// `-----BEGIN PUBLIC KEY-----`, what `openssl genpkey -algorithm ed25519` and
/// `openssl pkey -pubout` write. Signing and verification are one-shot EVP calls with
/// no digest (Ed25519 hashes internally), like `openssl pkeyutl -sign -rawin`.
/// Signatures are deterministic: the same key and message always give the same 64 bytes.
///
/// Every EVP/BIO object is freed before returning, and OpenSSL's (thread-local) error
/// queue is cleared, so nothing accumulates in a long-running agent.
public enum Ed25519 {
    public static let signatureBytes = 64

    public struct KeyPair: Equatable {
        public let privateKeyPEM: String
        public let publicKeyPEM: String
    }

    /// A fresh key pair from OpenSSL's CSPRNG.
    public static func generateKeyPair() throws(CryptoError) -> KeyPair {
        defer { ERR_clear_error() }
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw failure("cannot create a key context") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw failure("cannot generate an Ed25519 key")
        }
        defer { EVP_PKEY_free(key) }
        let privatePEM = try pem("cannot write the private key") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        let publicPEM = try pem("cannot write the public key") { PEM_write_bio_PUBKEY($0, key) }
        return KeyPair(privateKeyPEM: privatePEM, publicKeyPEM: publicPEM)
    }

    /// The 64-byte signature of `message` by the private key.
    public static func sign(_ message: [UInt8], privateKeyPEM: String) throws(CryptoError) -> [UInt8] {
        defer { ERR_clear_error() }
        let key = try loadPrivateKey(privateKeyPEM)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw failure("cannot create a signing context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else { throw failure("cannot start signing") }
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        var length = signature.count
        let result = withBytes(message) { tbs, count in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(context, $0.baseAddress, &length, tbs, count) }
        }
        guard result == 1, length == signatureBytes else { throw failure("signing failed") }
        return signature
    }

    /// Whether `signature` is a valid Ed25519 signature of exactly `message` by the
    /// public key: true only when `EVP_DigestVerify` returns exactly 1. A key that does
    /// not load or is not an Ed25519 key, or a signature of the wrong length, is false.
    public static func verify(message: [UInt8], signature: [UInt8], publicKeyPEM: String) -> Bool {
        defer { ERR_clear_error() }
        guard signature.count == signatureBytes, let key = try? loadPublicKey(publicKeyPEM) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        let result = withBytes(message) { tbs, count in
            signature.withUnsafeBufferPointer { EVP_DigestVerify(context, $0.baseAddress, $0.count, tbs, count) }
        }
        return result == 1
    }

    /// The public key (PEM) that belongs to a private key.
    public static func publicKeyPEM(privateKeyPEM: String) throws(CryptoError) -> String {
        defer { ERR_clear_error() }
        let key = try loadPrivateKey(privateKeyPEM)
        defer { EVP_PKEY_free(key) }
        return try pem("cannot write the public key") { PEM_write_bio_PUBKEY($0, key) }
    }

    /// Whether the text holds an Ed25519 public key that loads.
    public static func isPublicKey(_ publicKeyPEM: String) -> Bool {
        defer { ERR_clear_error() }
        guard let key = try? loadPublicKey(publicKeyPEM) else { return false }
        EVP_PKEY_free(key)
        return true
    }

    // MARK: libcrypto

    /// An owned EVP_PKEY (free with EVP_PKEY_free) holding an Ed25519 private key.
    private static func loadPrivateKey(_ text: String) throws(CryptoError) -> OpaquePointer {
        // The callback refuses a passphrase: an encrypted key fails instead of prompting.
        let key = readPEM(text) { PEM_read_bio_PrivateKey($0, nil, { _, _, _, _ in 0 }, nil) }
        guard let key else { throw failure("not a PEM private key (unencrypted PKCS#8, as openssl genpkey writes)") }
        guard EVP_PKEY_is_a(key, "ED25519") == 1 else {
            EVP_PKEY_free(key)
            throw CryptoError("the private key is not an Ed25519 key")
        }
        return key
    }

    /// An owned EVP_PKEY holding an Ed25519 public key.
    private static func loadPublicKey(_ text: String) throws(CryptoError) -> OpaquePointer {
        let key = readPEM(text) { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        guard let key else { throw failure("not a PEM public key") }
        // Only Ed25519: an RSA or EC key would verify with a default digest instead.
        guard EVP_PKEY_is_a(key, "ED25519") == 1 else {
            EVP_PKEY_free(key)
            throw CryptoError("the public key is not an Ed25519 key")
        }
        return key
    }

    /// Runs `read` on a read-only memory BIO over the text's bytes (alive for the call).
    static func readPEM(_ text: String, _ read: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { return nil }
        return bytes.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
    }

    /// Text that `write` puts into a fresh memory BIO.
    private static func pem(_ what: String, _ write: (OpaquePointer) -> Int32) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw failure(what) }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw failure(what) }
        // BIO_get_mem_data is a macro over BIO_ctrl(BIO_CTRL_INFO); the data stays the BIO's.
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = Int(BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data))
        guard let data, length > 0 else { throw failure(what) }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// The message's bytes as a non-null pointer and a length (an empty message gets a
    /// valid pointer too: OpenSSL is not asked to read from NULL).
    private static func withBytes<R>(_ message: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if message.isEmpty {
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body($0, 0) }
        }
        return message.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }

    /// An error naming what failed, with OpenSSL's most recent reason.
    private static func failure(_ what: String) -> CryptoError {
        let code = ERR_peek_last_error()
        guard code != 0 else { return CryptoError(what) }
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count - 1) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return CryptoError("\(what) (\(text))")
    }
}
