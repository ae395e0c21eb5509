/// A failed SQLite call: the primary result code (SQLITE_FULL = 13,
/// SQLITE_IOERR = 10, SQLITE_CORRUPT = 11, …) and SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public static let busy: Int32 = 5
    public static let ioError: Int32 = 10
    public static let corrupt: Int32 = 11
    public static let full: Int32 = 13
    public static let notADatabase: Int32 = 26
    /// Not SQLite's own: SQLITE_ERROR extended with a code of ours (SQLite's extended
    /// codes stay far below), for a queue file whose schema is newer than this agent's.
    public static let newerSchema: Int32 = 1 | (200 << 8)

    public var primaryCode: Int32 { code & 0xFF }
    public var isDiskFull: Bool { primaryCode == SQLiteError.full }
    public var isNewerSchema: Bool { code == SQLiteError.newerSchema }
    public var isCorruption: Bool { primaryCode == SQLiteError.corrupt || primaryCode == SQLiteError.notADatabase }

    public var description: String { "sqlite error \(code): \(message)" }
}
