import Foundation

/// Prometheus's own checker (Debian's `prometheus` package): `promtool check metrics`
/// on an exposition; returns its exit status and everything it printed (lint
/// warnings included: a clean text prints nothing).
public func promtoolCheckMetrics(_ text: String) throws -> (status: Int32, printed: String) {
    guard let tool = which("promtool") else { throw POSIXError(.ENOENT) }
    let (status, printed) = try runTool(tool, ["check", "metrics"], input: text)
    return (status, printed)
}
