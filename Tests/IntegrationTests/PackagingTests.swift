import Foundation
import Testing
import CairnTestSupport

/// packaging/: the .deb (dpkg-deb's view of it, lintian, a real `dpkg --root` install,
/// remove and purge), the tarball's install.sh into a DESTDIR, and the .ipk's layout.
/// Each test builds into its own temporary dist/ (DIST=...), from dist/cairn-x86_64 when
/// cross/build made it, else from the host binary `swift build` made.
@Suite struct PackagingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var crossBinary: String { "\(root)/dist/cairn-x86_64" }
    /// dist/cairn-x86_64 when cross/build made it from these sources (as scripts/test decides:
    /// one older than any source file is left alone, so a stale binary never stands in).
    static var isStatic: Bool {
        let files = FileManager.default
        guard files.isExecutableFile(atPath: crossBinary),
              let built = (try? files.attributesOfItem(atPath: crossBinary))?[.modificationDate] as? Date else { return false }
        let sources = (files.enumerator(atPath: "\(root)/Sources")?.compactMap { $0 as? String } ?? []).map { "\(root)/Sources/\($0)" }
        return !(sources + ["\(root)/Package.swift"]).contains { path in
            ((try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date).map { $0 > built } ?? false
        }
    }
    static var binary: String { isStatic ? crossBinary : AgentBinary.path }

    /// lintian errors about the binary itself that only the host debug build has (it is
    /// dynamically linked against the Swift toolchain and not stripped); a release package
    /// is made from the static, stripped dist/ binary, where none of these may appear.
    static let debugBuildTags = ["custom-library-search-path", "unstripped-binary-or-object"]

    static var version: String {
        let source = (try? String(contentsOfFile: "\(root)/Sources/CairnCore/BuildInfo.swift", encoding: .utf8)) ?? ""
        return source.split(separator: "\n").first { $0.contains("static let version") }
            .map { String($0.split(separator: "\"")[1]) } ?? "?"
    }

    /// Runs a bash command line; returns (exit status, stdout+stderr).
    @discardableResult
    static func bash(_ command: String, environment extra: [String: String] = [:]) throws -> (Int32, String) {
        let (status, output) = try runTool("/bin/bash", ["-c", command], environment: extra, directory: root)
        return (status, output)
    }

    /// Runs packaging/SCRIPT x86_64 BINARY into `dir`/dist; returns the package's path.
    static func build(_ script: String, into dir: TemporaryDirectory, name: String) throws -> String {
        let (status, output) = try bash("packaging/\(script) x86_64 '\(binary)'", environment: ["DIST": dir.file("dist")])
        try #require(status == 0, "\(script) failed:\n\(output)")
        let package = dir.file("dist/\(name)")
        try #require(FileManager.default.fileExists(atPath: package), "\(script) made no \(name):\n\(output)")
        return package
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func theDebHasItsFieldsFilesAndModesAndLintianFindsNoError() throws {
        let dir = TemporaryDirectory("cairn-pkg")
        let deb = try Self.build("build-deb", into: dir, name: "cairn_\(Self.version)_amd64.deb")

        let (_, info) = try Self.bash("dpkg-deb -I '\(deb)'")
        for field in ["Package: cairn", "Version: \(Self.version)", "Architecture: amd64", "Maintainer: ",
                      "Installed-Size: ", "Section: net", "Priority: optional", "Description: "] {
            #expect(info.contains(field), "control lacks \(field):\n\(info)")
        }
        #expect(!info.contains("Depends:"), "a static binary needs no dependencies:\n\(info)")
        for script in ["postinst", "prerm", "postrm", "conffiles", "md5sums"] {
            #expect(info.contains(" \(script)"), "no \(script) in the control archive:\n\(info)")
        }
        let (_, conffiles) = try Self.bash("dpkg-deb --ctrl-tarfile '\(deb)' | tar -xOf - ./conffiles")
        #expect(conffiles == "/etc/cairn/cairn.json\n", "\(conffiles)")

        // "-rwxr-xr-x root/root 4343160 2026-11-30 18:27 ./usr/bin/cairn" → path: mode owner
        let (_, listing) = try Self.bash("dpkg-deb -c '\(deb)'")
        var entries: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count >= 6 else { continue }
            entries[String(columns[5])] = "\(columns[0]) \(columns[1])"
        }
        let expected = [
            "./usr/bin/cairn": "-rwxr-xr-x root/root",
            "./etc/cairn/cairn.json": "-rw-r--r-- root/root",
            "./lib/systemd/system/cairn.service": "-rw-r--r-- root/root",
            "./usr/lib/sysusers.d/cairn.conf": "-rw-r--r-- root/root",
            "./usr/share/doc/cairn/copyright": "-rw-r--r-- root/root",
            "./usr/share/doc/cairn/changelog.gz": "-rw-r--r-- root/root",
        ]
        for (path, mode) in expected {
            #expect(entries[path] == mode, "\(path): \(entries[path] ?? "missing"), want \(mode)\n\(listing)")
        }
        // The unit is packaging/systemd/cairn.service as it stands.
        let (_, unit) = try Self.bash("dpkg-deb --fsys-tarfile '\(deb)' | tar -xOf - ./lib/systemd/system/cairn.service")
        #expect(unit == (try String(contentsOfFile: "\(Self.root)/packaging/systemd/cairn.service", encoding: .utf8)))
        let (_, sysusers) = try Self.bash("dpkg-deb --fsys-tarfile '\(deb)' | tar -xOf - ./usr/lib/sysusers.d/cairn.conf")
        #expect(sysusers.contains("u cairn - \"Cairn edge agent\" /var/lib/cairn"), "\(sysusers)")
        let (_, copyright) = try Self.bash("dpkg-deb --fsys-tarfile '\(deb)' | tar -xOf - ./usr/share/doc/cairn/copyright")
        #expect(copyright.hasPrefix("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"))
        #expect(copyright.contains("License: Apache-2.0") && copyright.contains("/usr/share/common-licenses/Apache-2.0"))

        let (installed, apt) = try Self.bash("source scripts/apt.sh && apt_ensure lintian")
        try #require(installed == 0, "lintian could not be installed:\n\(apt)")
        let (_, lintian) = try Self.bash("lintian --tag-display-limit 0 '\(deb)' 2>&1")
        let errors = lintian.split(separator: "\n").filter { line in
            line.hasPrefix("E:") && (Self.isStatic || !Self.debugBuildTags.contains { line.contains(": \($0) ") })
        }
        #expect(errors.isEmpty, "lintian errors:\n\(lintian)")
    }

    /// dpkg itself installs the package into a throwaway root: maintainer scripts run
    /// outside a chroot with DPKG_ROOT set (--force-script-chrootless), so they must put
    /// everything under it. No systemd runs there, so nothing is started; postinst's
    /// systemctl branch is not exercised here.
    @Test func dpkgInstallsIntoARootRemoveKeepsTheQueueAndPurgeDeletesIt() throws {
        let dir = TemporaryDirectory("cairn-pkg")
        let deb = try Self.build("build-deb", into: dir, name: "cairn_\(Self.version)_amd64.deb")
        let target = dir.file("root")
        // An empty dpkg database in the root.
        dir.write("root/var/lib/dpkg/status", "")
        for sub in ["updates", "info"] {
            try FileManager.default.createDirectory(atPath: "\(target)/var/lib/dpkg/\(sub)", withIntermediateDirectories: true)
        }
        let dpkg = "dpkg --root='\(target)' --force-not-root --force-script-chrootless --log=/dev/null"

        var (status, output) = try Self.bash("\(dpkg) -i '\(deb)'")
        try #require(status == 0, "dpkg -i failed:\n\(output)")
        (status, output) = try Self.bash("'\(target)/usr/bin/cairn' --version")
        #expect(status == 0 && output.contains("cairn \(Self.version)"), "\(output)")
        (status, output) = try Self.bash("'\(target)/usr/bin/cairn' config check '\(target)/etc/cairn/cairn.json'")
        #expect(status == 0, "the installed config is refused:\n\(output)")
        #expect(Self.exists("\(target)/var/lib/cairn"))
        #expect(Self.exists("\(target)/etc/systemd/system/multi-user.target.wants/cairn.service") ||
                (try? FileManager.default.destinationOfSymbolicLink(
                    atPath: "\(target)/etc/systemd/system/multi-user.target.wants/cairn.service")) != nil,
                "enabled on first install")
        if which("systemd-sysusers") != nil {
            // The user is written into the target root, and owns the data directory there.
            let passwd = (try? String(contentsOfFile: "\(target)/etc/passwd", encoding: .utf8)) ?? ""
            let entry = passwd.split(separator: "\n").first { $0.hasPrefix("cairn:") }.map(String.init) ?? ""
            #expect(entry.contains(":Cairn edge agent:/var/lib/cairn:"), "\(passwd)")
            let uid = entry.split(separator: ":").dropFirst(2).first.flatMap { Int($0) }
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(target)/var/lib/cairn")
            #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == uid)
        }

        // An upgrade (the same version again) keeps the queue.
        dir.write("root/var/lib/cairn/queue.db", "undelivered readings")
        (status, output) = try Self.bash("\(dpkg) -i '\(deb)'")
        #expect(status == 0, "\(output)")
        #expect(Self.exists("\(target)/var/lib/cairn/queue.db"))

        (status, output) = try Self.bash("\(dpkg) -r cairn")
        #expect(status == 0, "\(output)")
        #expect(!Self.exists("\(target)/usr/bin/cairn"))
        #expect(Self.exists("\(target)/var/lib/cairn/queue.db"), "remove must keep the queue")
        #expect(Self.exists("\(target)/etc/cairn/cairn.json"), "remove keeps conffiles")

        (status, output) = try Self.bash("\(dpkg) --purge cairn")
        #expect(status == 0, "\(output)")
        #expect(!Self.exists("\(target)/var/lib/cairn"), "purge deletes the queue")
        #expect(!Self.exists("\(target)/etc/cairn"))
        let passwd = (try? String(contentsOfFile: "\(target)/etc/passwd", encoding: .utf8)) ?? ""
        #expect(!passwd.contains("cairn:"), "purge removes the user it created:\n\(passwd)")
    }

    @Test func theTarballsInstallScriptInstallsIntoADestdirAndUninstallKeepsTheQueue() throws {
        let dir = TemporaryDirectory("cairn-pkg")
        let tarball = try Self.build("build-tarball", into: dir, name: "cairn-\(Self.version)-x86_64.tar.gz")
        var (status, output) = try Self.bash("tar -C '\(dir.path)' -xzf '\(tarball)'")
        try #require(status == 0, "\(output)")
        let unpacked = dir.file("cairn-\(Self.version)-x86_64")
        for file in ["cairn", "install.sh", "cairn.json", "cairn.example.json", "init/cairn.service",
                     "init/cairn.procd", "init/cairn.sysv"] {
            #expect(Self.exists("\(unpacked)/\(file)"), "the tarball lacks \(file)")
        }

        let target = dir.file("root")
        dir.write("root/etc/init.d/.keep", "")   // a SysV-looking root
        // dash: the POSIX shell closest to BusyBox ash on a Debian host.
        let shell = which("dash") ?? "/bin/sh"
        let install = "DESTDIR='\(target)' \(shell) '\(unpacked)/install.sh'"
        (status, output) = try Self.bash(install)
        try #require(status == 0, "install.sh failed:\n\(output)")
        #expect(Self.exists("\(target)/usr/bin/cairn"))
        #expect(Self.exists("\(target)/etc/init.d/cairn"))
        #expect(Self.exists("\(target)/var/lib/cairn"))
        let passwd = (try? String(contentsOfFile: "\(target)/etc/passwd", encoding: .utf8)) ?? ""
        #expect(passwd.contains("cairn:x:") && passwd.contains(":Cairn edge agent:/var/lib/cairn:"), "\(passwd)")
        (status, output) = try Self.bash("'\(target)/usr/bin/cairn' config check '\(target)/etc/cairn/cairn.json'")
        #expect(status == 0, "the installed config is refused:\n\(output)")

        // A second run never overwrites an existing config.
        dir.write("root/etc/cairn/cairn.json", "{\"broker\": \"mqtt://10.0.0.1:1883\"}\n")
        (status, output) = try Self.bash(install)
        #expect(status == 0, "\(output)")
        #expect((try? String(contentsOfFile: "\(target)/etc/cairn/cairn.json", encoding: .utf8))?.contains("10.0.0.1") == true)

        dir.write("root/var/lib/cairn/queue.db", "undelivered readings")
        (status, output) = try Self.bash("\(install) --uninstall")
        #expect(status == 0, "\(output)")
        #expect(!Self.exists("\(target)/usr/bin/cairn"))
        #expect(!Self.exists("\(target)/etc/init.d/cairn"))
        #expect(Self.exists("\(target)/var/lib/cairn/queue.db"), "uninstall must keep the queue")

        (status, output) = try Self.bash("\(install) --uninstall --purge")
        #expect(status == 0, "\(output)")
        #expect(!Self.exists("\(target)/var/lib/cairn"))
        #expect(!Self.exists("\(target)/etc/cairn"))
        #expect(!((try? String(contentsOfFile: "\(target)/etc/passwd", encoding: .utf8)) ?? "").contains("cairn:"))
    }

    /// install.sh with nothing but BusyBox on PATH (an OpenWrt-like root: /etc/rc.common,
    /// so procd; no useradd/adduser applet use, since DESTDIR appends to its passwd).
    @Test(.enabled(if: which("busybox") != nil, "busybox is not installed (scripts/install-deps)"))
    func installShRunsWithBusyBoxAlone() throws {
        let dir = TemporaryDirectory("cairn-pkg")
        let tarball = try Self.build("build-tarball", into: dir, name: "cairn-\(Self.version)-x86_64.tar.gz")
        let busybox = try #require(which("busybox"))
        var (status, output) = try Self.bash("""
            mkdir '\(dir.file("bb"))' && for applet in $('\(busybox)' --list); do ln -s '\(busybox)' "\(dir.file("bb"))/$applet"; done
            tar -C '\(dir.path)' -xzf '\(tarball)'
            """)
        try #require(status == 0, "\(output)")
        dir.write("root/etc/rc.common", "")
        let install = "env -i PATH='\(dir.file("bb"))' DESTDIR='\(dir.file("root"))' sh '\(dir.file("cairn-\(Self.version)-x86_64/install.sh"))'"
        (status, output) = try Self.bash(install)
        #expect(status == 0 && output.contains("service installed for procd"), "\(output)")
        #expect(Self.exists(dir.file("root/etc/init.d/cairn")) && Self.exists(dir.file("root/usr/bin/cairn")))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir.file("root/etc/rc.d/S95cairn"))) == "../init.d/cairn")
        (status, output) = try Self.bash("\(install) --purge")
        #expect(status == 0, "\(output)")
        #expect(!Self.exists(dir.file("root/etc/init.d/cairn")) && !Self.exists(dir.file("root/var/lib/cairn")))
    }

    @Test func theIpkIsAGzippedTarOfThreeMembersInOrder() throws {
        let dir = TemporaryDirectory("cairn-pkg")
        let ipk = try Self.build("build-ipk", into: dir, name: "cairn_\(Self.version)_x86_64.ipk")
        let magic = try #require(FileHandle(forReadingAtPath: ipk)?.readData(ofLength: 2))
        #expect(Array(magic) == [0x1f, 0x8b], "an .ipk is a gzipped tar, not an ar archive")

        var (status, output) = try Self.bash("tar -tzf '\(ipk)'")
        #expect(status == 0 && output == "./debian-binary\n./control.tar.gz\n./data.tar.gz\n", "\(output)")
        (_, output) = try Self.bash("tar -xzOf '\(ipk)' ./debian-binary")
        #expect(output == "2.0\n")
        (_, output) = try Self.bash("tar -xzOf '\(ipk)' ./control.tar.gz | tar -xzOf - ./control")
        for field in ["Package: cairn", "Version: \(Self.version)", "Architecture: x86_64", "Maintainer: ", "Description: "] {
            #expect(output.contains(field), "control lacks \(field):\n\(output)")
        }
        (_, output) = try Self.bash("tar -xzOf '\(ipk)' ./control.tar.gz | tar -xzOf - ./conffiles ./postinst")
        #expect(output.contains("/etc/cairn/cairn.json") && output.contains("/etc/init.d/cairn enable"), "\(output)")
        (status, output) = try Self.bash("tar -xzOf '\(ipk)' ./data.tar.gz | tar -tzvf -")
        #expect(status == 0, "\(output)")
        for path in ["./usr/bin/cairn", "./etc/init.d/cairn", "./etc/cairn/cairn.json"] {
            #expect(output.contains(path), "data lacks \(path):\n\(output)")
        }
        let binaryLine = output.split(separator: "\n").first { $0.hasSuffix("./usr/bin/cairn") } ?? ""
        #expect(binaryLine.hasPrefix("-rwxr-xr-x"), "\(binaryLine)")
    }
}
