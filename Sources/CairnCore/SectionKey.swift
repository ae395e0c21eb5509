/// One member a section entry may hold (an input, a stage, a rule, an
/// action), declared beside the code that reads it. A reader accepts only
/// declared members, and docs/config.md lists the same keys and defaults
/// (a test compares them).
public struct SectionKey {
    public let name: String
    /// The default as docs/config.md shows it: "10", "none", "required", ….
    public let defaultText: String

    public init(_ name: String, default defaultText: String) {
        self.name = name
        self.defaultText = defaultText
    }
}

/// The keys of one kind of section entry, under the title docs/config.md
/// gives them ("Input type `file`").
public struct SectionKeys {
    public let title: String
    public let keys: [SectionKey]

    public init(_ title: String, _ keys: [SectionKey]) {
        self.title = title
        self.keys = keys
    }
}
