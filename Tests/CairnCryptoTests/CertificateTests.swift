import Foundation
import Testing
import CairnTestSupport
import CairnCrypto

/// The client certificate's expiry, as the status page and /metrics show it.
@Suite struct CertificateTests {
    @Test func theExpiryIsTheCertificatesNotAfter() throws {
        let pki = try TestPKI()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let expires = try #require(Certificate.expiry(pemFile: pki.clientCert, nowWall: now))
        // TestPKI signs for 2 days, from the moment it ran (openssl's clock, whole seconds).
        #expect(abs(expires - (now + 2 * 86_400_000)) < 120_000, "\(expires - now) ms from now")
    }

    @Test func aFileWithoutACertificateHasNoExpiry() throws {
        let dir = TemporaryDirectory()
        dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        #expect(Certificate.expiry(pemFile: dir.file("key.pem"), nowWall: 0) == nil)
        #expect(Certificate.expiry(pemFile: dir.file("missing.pem"), nowWall: 0) == nil)
    }
}
