import CSQLite

/// Just enough SQLite writing for the sample-data generator: execute, and insert rows through
/// one prepared statement per table inside one transaction.
final class SQLiteWriter {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    enum Cell {
        case int(Int)
        case real(Double)
        case text(String)
        case null
    }

    private let database: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let handle else {
            throw Failure(description: "cannot create \(path)")
        }
        database = handle
        try execute("PRAGMA journal_mode = OFF")
        try execute("PRAGMA synchronous = OFF")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close(database)
    }

    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(database, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw Failure(description: "\(text) in: \(sql.prefix(80))")
        }
    }

    func insert(_ table: String, _ cells: [Cell]) throws {
        let statement: OpaquePointer
        if let prepared = statements[table] {
            statement = prepared
        } else {
            var handle: OpaquePointer?
            let placeholders = Array(repeating: "?", count: cells.count).joined(separator: ",")
            guard sqlite3_prepare_v2(database, "INSERT INTO \(table) VALUES (\(placeholders))", -1, &handle, nil) == SQLITE_OK, let handle else {
                throw Failure(description: String(cString: sqlite3_errmsg(database)))
            }
            statements[table] = handle
            statement = handle
        }
        for (index, cell) in cells.enumerated() {
            let position = Int32(index + 1)
            switch cell {
            case .int(let value): sqlite3_bind_int64(statement, position, Int64(value))
            case .real(let value): sqlite3_bind_double(statement, position, value)
            case .text(let value): sqlite3_bind_text(statement, position, value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        if sqlite3_step(statement) != SQLITE_DONE { throw Failure(description: String(cString: sqlite3_errmsg(database))) }
        sqlite3_reset(statement)
    }
}
