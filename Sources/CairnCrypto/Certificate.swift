import CCrypto
import CairnCore

/// What the status page says about the agent's TLS client certificate.
public enum Certificate {
    /// When the first certificate in a PEM file stops being valid (`notAfter`), in wall
    /// ms; nil when the file cannot be read or holds no certificate.
    public static func expiry(pemFile path: String, nowWall: Int64) -> Int64? {
        guard let text = Files.read(path) else { return nil }
        guard let certificate = Ed25519.readPEM(text, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            ERR_clear_error()
            return nil
        }
        defer { X509_free(certificate) }
        guard let notAfter = X509_get0_notAfter(certificate) else { return nil }
        // The difference from now (a nil time), in days and seconds: no struct tm to lay out.
        var days: Int32 = 0, seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, nil, notAfter) == 1 else { return nil }
        return nowWall + (Int64(days) * 86_400 + Int64(seconds)) * 1000
    }
}
