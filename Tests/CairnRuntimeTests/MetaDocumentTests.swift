import Foundation
import Testing
@testable import CairnRuntime

@Suite struct MetaDocumentTests {
    /// The kernel line is formatted in C from uname(2) (no rebinding of utsname in Swift).
    @Test func kernelIsSysnameReleaseMachine() {
        var name = utsname()
        #expect(uname(&name) == 0)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        #expect(MetaDocument.kernel() == "\(text(name.sysname)) \(text(name.release)) \(text(name.machine))")
    }
}
