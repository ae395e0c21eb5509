import CSystem
import CairnFuzzTargets

// The libFuzzer entry points. scripts/fuzz builds this executable with
// `--sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DCAIRN_LIBFUZZER`:
// libFuzzer's own main() then runs these. In a plain build Replay.swift is the
// main instead, and these two functions are merely unused.

/// The target this process fuzzes.
nonisolated(unsafe) private var selected: FuzzTarget?

/// `cairn-fuzz <target> [libFuzzer flags, corpus directories or files]`. The
/// target's name is taken off the arguments before libFuzzer reads them and
/// kept in CAIRN_FUZZ_TARGET, which the processes libFuzzer starts itself
/// (`-fork`, `-merge`, `-minimize_crash`) inherit without the name.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    let arguments = argv.pointee
    let first = argc.pointee > 1 ? arguments[1].map { String(cString: $0) } : nil
    if first == "--list" {
        for target in FuzzTargets.all { print(target.name) }
        exit(0)
    }
    if let first, let target = FuzzTargets.named(first) {
        selected = target
        for i in 1..<Int(argc.pointee) { arguments[i] = arguments[i + 1] }   // argv[argc] is NULL
        argc.pointee -= 1
        setenv("CAIRN_FUZZ_TARGET", target.name, 1)
    } else if let name = getenv("CAIRN_FUZZ_TARGET").map({ String(cString: $0) }) {
        selected = FuzzTargets.named(name)
    }
    if selected == nil {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        fputs("usage: cairn-fuzz <target> [libFuzzer arguments]   (targets: \(names))\n", stderr)
        exit(2)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = selected else { abort() }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let failure = target.check(bytes) {
        // A broken property is a crash for libFuzzer: it saves the input and stops.
        fputs("cairn-fuzz: \(target.name): \(failure)\n", stderr)
        abort()
    }
    return 0
}
