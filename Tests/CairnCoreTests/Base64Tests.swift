import Foundation
import Testing
@testable import CairnCore

@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func agreesWithFoundationOnEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ours = Base64.encode(bytes)
            #expect(ours == Data(bytes).base64EncodedString())
            #expect(Base64.decode(ours) == bytes)
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.encode(all) == Data(all).base64EncodedString())
    }

    @Test func strictDecodingRejectsAnythingButCanonicalStandardBase64() {
        for bad in ["Zg", "Zg=", "Zg===", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm=v", "Zh==", "Zm9=",
                    "Zm-v", "Zm_v", "Zm9v\n", " Zm9v", "Zm9v ", "Zm9\nv", "Zm9*", "Zm9vYg==\n", "Zm9vÿ"] {
            #expect(Base64.decode(bad) == nil, "\(bad.debugDescription)")
        }
    }
}
