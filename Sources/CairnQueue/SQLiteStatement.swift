import CSQLite

/// A prepared statement, finalized when released. Parameters are 1-based,
/// columns 0-based, as in the C API.
public final class SQLiteStatement {
    private var handle: OpaquePointer?
    private let database: SQLiteDatabase

    init(database: SQLiteDatabase, sql: String) throws(SQLiteError) {
        self.database = database
        var statement: OpaquePointer?
        let rc = sql.withCString { sqlite3_prepare_v2(database.raw, $0, -1, &statement, nil) }
        guard rc == SQLITE_OK else { throw database.lastError(rc) }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    public func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    public func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
    public func bind(_ index: Int32, _ value: String) {
        _ = value.withCString { cairn_sqlite3_bind_text(handle, index, $0, -1) }
    }

    /// Advances one row: true while a row is available, false when done.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = database.lastError(rc)
        sqlite3_reset(handle)
        throw error
    }

    /// Runs a statement that returns no rows, then makes it ready to run again.
    public func run() throws(SQLiteError) {
        defer { reset() }
        while try step() {}
    }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    /// A text or blob column's bytes where SQLite holds them, valid only inside `body`.
    public func bytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let pointer = sqlite3_column_text(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
}
