import CSystem
import CairnControl
import CairnCore

/// The doctor's local steps: the data directory and the clock.
struct DoctorChecks {
    /// Less free space than this and the queue cannot hold a useful backlog.
    static let minimumFreeBytes: Int64 = 16 * 1024 * 1024

    let config: Configuration

    /// Exists (or can be made), takes a file, and has free space.
    func dataDirectory() -> Doctor.Step {
        let directory = config.agent.dataDirectory
        let hint = "create \(directory) writable by the user the agent runs as (data_dir; the packages make /var/lib/cairn for the cairn user)"
        do {
            try Files.makeDirectories(directory)
        } catch {
            return .fail("data_dir", "cannot create the data directory: \(error)", hint)
        }
        let probe = "\(directory)/.cairn-doctor-\(getpid())"
        let fd = probe.withCString { cairn_open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        guard fd >= 0 else {
            return .fail("data_dir", "\(SystemError("cannot write in the data directory", path: directory))", hint)
        }
        var byte: UInt8 = 0x0a
        let written = write(fd, &byte, 1) == 1 && fsync(fd) == 0
        close(fd)
        _ = probe.withCString { unlink($0) }
        guard written else { return .fail("data_dir", "writing a file in \(directory) failed", hint) }
        guard let free = Files.freeBytes(directory) else { return .pass("data_dir", "\(directory) is writable") }
        guard free >= DoctorChecks.minimumFreeBytes else {
            return .fail("data_dir", "\(directory) has only \(megabytes(free)) MB free (at least \(megabytes(DoctorChecks.minimumFreeBytes)) MB needed)",
                         "free space on that filesystem, or point data_dir at one with room (the queue uses up to queue_budget_mb)")
        }
        return .pass("data_dir", "\(directory) is writable, \(megabytes(free)) MB free")
    }

    /// Not before this build's floor: a clock at 1970 fails every certificate check.
    func clock() -> Doctor.Step {
        let now = Clock.wallMilliseconds()
        guard now >= ClockTracker.plausibleFloor else {
            return .fail("clock", "the clock says \(Clock.rfc3339(now)), before this build (\(Clock.rfc3339(ClockTracker.plausibleFloor)))",
                         "set the time (enable NTP: timedatectl set-ntp true, or ntpd/chrony); TLS certificates cannot be checked with a wrong clock")
        }
        var message = "\(Clock.rfc3339(now)) is plausible"
        if let file = config.agent.clockSyncFile {
            let synced = file.withCString { access($0, F_OK) } == 0
            message += synced ? " (NTP synchronised: \(file) exists)" : " (NTP not synchronised yet: no \(file))"
        }
        return .pass("clock", message)
    }

    private func megabytes(_ bytes: Int64) -> Int64 { bytes / (1024 * 1024) }
}
