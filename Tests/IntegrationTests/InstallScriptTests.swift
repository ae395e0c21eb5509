import Foundation
import Testing
import CairnTestSupport

/// scripts/install-deps (and through scripts/apt.sh every script that installs packages)
/// run with a stub `apt-get` and `dpkg-query` first on PATH: the stub's `update` fails
/// the way a mirror mid-sync does, and every package looks missing.
@Suite struct InstallScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Writes the stubs; `install` exits with `installStatus` and records its arguments.
    static func stubs(_ dir: TemporaryDirectory, installStatus: Int) -> String {
        dir.write("bin/apt-get", """
            #!/bin/sh
            echo "$*" >> "\(dir.file("apt-calls"))"
            case " $* " in
              *" update "*) echo "E: Failed to fetch http://mirror/debian-security/dists/bookworm-security/main/binary-armhf/Packages.xz  File has unexpected size (334084 != 354900). Mirror sync in progress?" >&2; exit 100 ;;
              *" install "*) exit \(installStatus) ;;
            esac
            exit 0
            """)
        dir.write("bin/dpkg-query", "#!/bin/sh\nexit 1\n")
        for name in ["apt-get", "dpkg-query"] {
            chmod(dir.file("bin/\(name)"), 0o755)
        }
        return dir.file("bin")
    }

    static func run(_ dir: TemporaryDirectory, stubs: String) throws -> (Int32, String) {
        let path = stubs + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let (status, output) = try runTool("\(root)/scripts/install-deps", [], environment: ["PATH": path, "CAIRN_APT_RETRY_WAITS": "0 0"])
        return (status, output)
    }

    static func calls(_ dir: TemporaryDirectory) -> [String] {
        ((try? String(contentsOfFile: dir.file("apt-calls"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    @Test func aFailingUpdateIsRetriedThenTheInstallStillRuns() throws {
        let dir = TemporaryDirectory()
        let (status, output) = try Self.run(dir, stubs: Self.stubs(dir, installStatus: 0))
        #expect(status == 0, "install-deps failed although the install worked:\n\(output)")
        let calls = Self.calls(dir)
        // Three tries with CAIRN_APT_RETRY_WAITS="0 0" (two waits), then the install.
        #expect(calls.filter { $0.hasSuffix("update") }.count == 3, "\(calls)")
        let install = calls.last ?? ""
        #expect(install.contains("install"), "\(calls)")
        #expect(install.contains("libmosquitto-dev") && install.contains("libmicrohttpd-dev"), "\(install)")
        #expect(output.contains("apt-get update failed"), "\(output)")
        #expect(output.contains("Mirror sync in progress"), "the warning should show apt's reason:\n\(output)")
    }

    @Test func aFailedInstallFailsAndNamesThePackages() throws {
        let dir = TemporaryDirectory()
        let (status, output) = try Self.run(dir, stubs: Self.stubs(dir, installStatus: 100))
        #expect(status != 0)
        #expect(output.contains("could not install the Debian packages: libsqlite3-dev libmosquitto-dev"), "\(output)")
    }
}
