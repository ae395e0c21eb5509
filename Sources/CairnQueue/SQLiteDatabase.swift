import CSQLite

/// The one owner of a sqlite3 connection handle. Raw pointers stay inside
/// this file and SQLiteStatement; the rest of the agent sees Swift types.
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    public let path: String

    public init(path: String) throws(SQLiteError) {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = path.withCString { sqlite3_open_v2($0, &db, flags, nil) }
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // Another process (`cairn queue stats` while the agent runs) may hold a lock briefly.
        sqlite3_busy_timeout(db, 2000)
    }

    deinit { close() }

    public func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    var raw: OpaquePointer? { handle }

    public func execute(_ sql: String) throws(SQLiteError) {
        let rc = sql.withCString { sqlite3_exec(handle, $0, nil, nil, nil) }
        guard rc == SQLITE_OK else { throw lastError(rc) }
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// Runs body inside BEGIN IMMEDIATE … COMMIT, rolling back when it throws.
    public func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// First column of the first row as an integer (PRAGMA reads, counts).
    public func scalar(_ sql: String) throws(SQLiteError) -> Int64 {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int64(0) : 0
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }

    func lastError(_ rc: Int32) -> SQLiteError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? rc
        return SQLiteError(code: extended, message: message)
    }
}
