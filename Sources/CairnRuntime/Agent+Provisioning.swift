import CairnControl
import CairnCore
import CairnStatus

/// First-boot provisioning as the agent sees it: `cairn init --first-boot` (run as root
/// before the agent) leaves its outcome in the data directory; the agent shows the
/// last one in status, and logs it and puts it in its `config.applied` event once.
extension Agent {
    /// The outcome not reported yet, if any; the last one goes into status either way.
    func takeProvisioningRecord() -> ProvisioningRecord? {
        if Files.exists(config.agent.provisionFile) {
            Log.warning("\(config.agent.provisionFile) was not taken in: cairn init --first-boot does it, as root, before the agent starts (docs/provisioning.md)")
        }
        guard let record = ProvisioningRecord.read(dataDirectory: config.agent.dataDirectory) else { return nil }
        status.provisioning = record.summary
        guard !record.reported else { return nil }
        if record.applied {
            Log.info("provisioned from \(record.file) at \(Clock.rfc3339(record.time)): \(record.config), config version \(record.configVersion)")
        } else {
            Log.warning("provisioning file \(record.file) rejected at \(Clock.rfc3339(record.time)) (now \(record.renamedTo)); running on the previous configuration: "
                + record.errors.joined(separator: "; "))
        }
        return record
    }

    func markReported(_ record: ProvisioningRecord) {
        var reported = record
        reported.reported = true
        do {
            try reported.write(dataDirectory: config.agent.dataDirectory)
        } catch {
            Log.warning("cannot mark the provisioning outcome reported: \(error)")
        }
    }
}
