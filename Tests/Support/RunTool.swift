import Foundation

/// Runs a tool (a path, or a name looked up on PATH) to completion: its exit status and
/// everything it wrote (stdout and stderr together). `environment` entries are added to
/// this process's own; `input`, when given, is written to its standard input and closed.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    directory: String? = nil, input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : which(executable) ?? "/usr/bin/\(executable)")
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = input.map { _ in Pipe() }
    if let stdin { process.standardInput = stdin }
    try process.run()
    if let stdin, let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
