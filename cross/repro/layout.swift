// Compares the layout of the C types Cairn's Swift code touches as Swift imports them
// (the Swift triple, musl's headers) with the layout C compiled for the libraries' own
// triple gives them (layout/layout.c). Run with cross/repro/run <arch>.
import CLayout

@inline(never) func at(_ p: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer { p }

func size<T>(_ name: String, _ type: T.Type) -> String { "sizeof \(name) \(MemoryLayout<T>.stride)\n" }

/// "offset T.F n" lines for the fields `fields` reports relative to the value's start.
func offsets<T>(_ name: String, _ value: T, _ fields: (UnsafeMutablePointer<T>) -> [(String, UnsafeMutableRawPointer)]) -> String {
    var copy = value
    return withUnsafeMutablePointer(to: &copy) { p in
        var out = ""
        for (field, address) in fields(p) { out += "offset \(name).\(field) \(address - UnsafeMutableRawPointer(p))\n" }
        return out
    }
}

@main struct Main {
    static func main() {
        var swift = ""
        swift += size("long", CLong.self) + size("time_t", time_t.self) + size("off_t", off_t.self)
        swift += size("size_t", Int.self) + size("mode_t", mode_t.self)
        swift += size("struct timespec", timespec.self)
        swift += offsets("struct timespec", timespec()) { [("tv_nsec", at(&$0.pointee.tv_nsec))] }
        swift += size("struct stat", stat.self)
        swift += offsets("struct stat", stat()) {
            [("st_mode", at(&$0.pointee.st_mode)), ("st_size", at(&$0.pointee.st_size)), ("st_mtim", at(&$0.pointee.st_mtim))]
        }
        swift += size("struct statvfs", statvfs.self)
        swift += offsets("struct statvfs", statvfs()) { [("f_frsize", at(&$0.pointee.f_frsize)), ("f_bavail", at(&$0.pointee.f_bavail))] }
        swift += size("struct pollfd", pollfd.self)
        swift += offsets("struct pollfd", pollfd()) { [("events", at(&$0.pointee.events)), ("revents", at(&$0.pointee.revents))] }
        swift += size("struct utsname", utsname.self)
        swift += offsets("struct utsname", utsname()) { [("release", at(&$0.pointee.release)), ("machine", at(&$0.pointee.machine))] }
        swift += size("struct dirent", dirent.self)
        swift += offsets("struct dirent", dirent()) { [("d_reclen", at(&$0.pointee.d_reclen)), ("d_name", at(&$0.pointee.d_name))] }
        swift += size("struct mosquitto_message", mosquitto_message.self)
        swift += offsets("struct mosquitto_message", mosquitto_message()) {
            [("topic", at(&$0.pointee.topic)), ("payload", at(&$0.pointee.payload)), ("payloadlen", at(&$0.pointee.payloadlen)),
             ("qos", at(&$0.pointee.qos)), ("retain", at(&$0.pointee.retain))]
        }
        swift += size("cairn_http_request", cairn_http_request.self)
        swift += offsets("cairn_http_request", cairn_http_request()) {
            [("path", at(&$0.pointee.path)), ("authorization", at(&$0.pointee.authorization)),
             ("content_type", at(&$0.pointee.content_type)), ("body", at(&$0.pointee.body)),
             ("body_length", at(&$0.pointee.body_length)), ("body_too_large", at(&$0.pointee.body_too_large))]
        }
        swift += size("cairn_httpd_options", cairn_httpd_options.self)
        swift += offsets("cairn_httpd_options", cairn_httpd_options()) {
            [("max_body", at(&$0.pointee.max_body)), ("max_connections", at(&$0.pointee.max_connections)),
             ("per_ip_connections", at(&$0.pointee.per_ip_connections)), ("timeout_seconds", at(&$0.pointee.timeout_seconds)),
             ("connection_memory", at(&$0.pointee.connection_memory))]
        }

        let c = String(cString: cairn_layout_c())
        let swiftLines = swift.split(separator: "\n"), cLines = c.split(separator: "\n")
        var mismatches = 0
        for (index, line) in swiftLines.enumerated() {
            let other = index < cLines.count ? cLines[index] : "(missing)"
            if line != other {
                print("MISMATCH swift: \(line) | c: \(other)")
                mismatches += 1
            }
        }
        if swiftLines.count != cLines.count { print("MISMATCH: \(swiftLines.count) facts in Swift, \(cLines.count) in C"); mismatches += 1 }
        if mismatches == 0 {
            print("ok: \(swiftLines.count) sizes and offsets agree (time_t \(MemoryLayout<time_t>.size) bytes, struct stat \(MemoryLayout<stat>.stride))")
        } else {
            print("BROKEN: \(mismatches) layout difference(s) between Swift's view and the C libraries'")
            exit(1)
        }
    }
}

@_extern(c, "exit") func exit(_ status: Int32)
