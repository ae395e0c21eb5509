import CairnCore

/// `cairn status`: whether the agent runs comes first. When it does not, what
/// follows is its last known state, labelled and indented as such, never shown
/// as if it were current.
extension StatusReport {
    /// `now`: wall ms, to say how old a stopped agent's last state is.
    public static func render(_ document: JSONValue, running: Bool, now: Int64 = Clock.wallMilliseconds()) -> String {
        let pid = document["pid"]?.integer.map { "pid \($0)" } ?? "pid unknown"
        let updated = document["updated_at"]?.string ?? "an unknown time"
        guard !running else {
            return "agent: running (\(pid), since \(document["started_at"]?.string ?? "an unknown time"))\n\n" + render(document)
        }
        let age = document["updated_at"]?.string.flatMap(Clock.parseRFC3339).map { ", " + HTML.duration(seconds: Double(max(0, now - $0)) / 1000) + " ago" } ?? ""
        var out = "agent: not running (last seen \(updated)\(age), \(pid))\n\nlast known state, as of \(updated):\n"
        for line in render(document).split(separator: "\n") { out += "  \(line)\n" }
        return out
    }
}
