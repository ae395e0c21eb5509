#if !CAIRN_LIBFUZZER
import CSystem
import CairnCore
import CairnFuzzTargets

/// Without libFuzzer (a plain `swift build`): runs files through a target once
/// each, under the debugger or a plain build, e.g.
/// `swift run cairn-fuzz json Fuzz/crashes/json`. Without paths: the target's
/// committed seeds and crashes (Fuzz/corpus/<target>, Fuzz/crashes/<target>).
@main struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--list" {
            for target in FuzzTargets.all { print(target.name) }
            return
        }
        guard let name = arguments.first, let target = FuzzTargets.named(name) else {
            let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
            fputs("usage: cairn-fuzz <target> [FILE|DIR...]   (targets: \(names))\n", stderr)
            exit(2)
        }
        var paths = Array(arguments.dropFirst())
        if paths.isEmpty { paths = ["Fuzz/corpus/\(name)", "Fuzz/crashes/\(name)"].filter(Files.isDirectory) }
        var failed = 0, passed = 0
        for path in paths {
            let inputs: [(name: String, bytes: [UInt8])]
            if Files.isDirectory(path) {
                inputs = FuzzFiles.inputs(in: path).map { (path + "/" + $0.name, $0.bytes) }
            } else if let bytes = FuzzFiles.read(path) {
                inputs = [(path, bytes)]
            } else {
                fputs("cairn-fuzz: cannot read \(path)\n", stderr)
                exit(2)
            }
            for input in inputs {
                if let failure = target.check(input.bytes) {
                    print("FAIL \(input.name): \(failure)")
                    failed += 1
                } else {
                    passed += 1
                }
            }
        }
        print("cairn-fuzz \(name): \(passed) passed, \(failed) failed")
        exit(failed == 0 ? 0 : 1)
    }
}
#endif
