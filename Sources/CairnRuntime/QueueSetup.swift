import CairnCore
import CairnQueue

/// The queue as the configuration describes it.
enum QueueSetup {
    static let fileName = "queue.db"

    static func options(_ config: AgentConfig) -> QueueOptions {
        var options = QueueOptions(path: "\(config.dataDirectory)/\(fileName)")
        options.budgetBytes = config.queueBudgetBytes
        options.overflow = QueueOptions.Overflow(rawValue: config.queueOverflow) ?? .dropOldest
        options.durability = QueueOptions.Durability(rawValue: config.queueDurability) ?? .normal
        options.maxAge = config.queueMaxAgeSeconds.map { Int64($0 * 1000) }
        options.checkpointPages = config.queueCheckpointPages
        return options
    }
}
