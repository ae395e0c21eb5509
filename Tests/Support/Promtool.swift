import Foundation

/// Prometheus's own checker (Debian's `prometheus` package): `promtool check metrics`
/// on an exposition; returns its exit status and everything it printed (lint
/// warnings included: a clean text prints nothing).
public func promtoolCheckMetrics(_ text: String) throws -> (status: Int32, printed: String) {
    guard let tool = which("promtool") else { throw POSIXError(.ENOENT) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["check", "metrics"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, printed)
}
