import CSQLite
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// Limits every query of a build runs under.
public struct QueryLimits: Sendable {
    /// Seconds one query may run.
    public var timeout: Double = 10
    /// Rows one query may return.
    public var maxRows: Int = 10_000

    public init(timeout: Double = 10, maxRows: Int = 10_000) {
        self.timeout = timeout
        self.maxRows = maxRows
    }
}

/// Why a query failed; `offset` is the byte offset in the SQL text where SQLite saw the
/// problem, when it says.
public struct QueryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var description: String { message }
}

/// A SQLite snapshot opened strictly read-only for one build.
///
/// - The file is opened read-only, `query_only` is on, and an authorizer inside SQLite denies
///   every write, ATTACH, state-changing PRAGMA and `load_extension`, whatever the SQL says.
/// - One read transaction is held from open to close, so every query of the build sees one
///   consistent state of the file even while another process writes to it (WAL readers get a
///   snapshot; in rollback-journal mode writers wait until the build ends).
/// - A `.sql` text dump is loaded into memory first, then locked down the same way.
public final class Snapshot: @unchecked Sendable {
    public let name: String
    /// Path as the site names it, for messages.
    public let displayPath: String
    /// When the data was taken: `_meta.snapshot_at` if the snapshot has it, else the file's time.
    public let takenAt: CalendarDate?
    /// Hash of the file's bytes: queries are cached against it.
    public let contentHash: String
    /// Connections, each inside its own read transaction on the same state of the file.
    private let connections: [OpaquePointer]
    private let pool: ConnectionPool

    public init(name: String, path: String, displayPath: String) throws(QueryError) {
        self.name = name
        self.displayPath = displayPath
        let isDump = path.hasSuffix(".sql")
        var bytes: [UInt8] = []
        if isDump {
            do { bytes = try FileSystem.readFile(path) } catch {
                throw QueryError(message: "cannot read snapshot '\(name)': \(error)")
            }
        }
        let first = try Self.connect(name: name, path: path, dump: isDump ? bytes : nil)
        var connections = [first]
        // More connections let queries run on every core. They see the same state only when
        // writers must wait for the first one's read lock: a file in rollback-journal mode.
        // A WAL file or an in-memory dump keeps to the one connection.
        if !isDump, Self.journalMode(first) != "wal" {
            for _ in 1..<max(1, ProcessorCount.active) {
                guard let extra = try? Self.connect(name: name, path: path, dump: nil) else { break }
                connections.append(extra)
            }
        }
        for connection in connections { Self.lockDown(connection) }
        self.connections = connections
        pool = ConnectionPool(count: connections.count)
        // Hashed inside the read transaction, so the hash describes the state queries see
        // (a writer in rollback-journal mode waits; in WAL mode the log is hashed too).
        if isDump {
            contentHash = ContentHash.hex(bytes)
        } else {
            do {
                var fingerprint = ContentHash.fast(try FileSystem.readFile(path))
                if let log = try? FileSystem.readFile(path + "-wal"), !log.isEmpty { fingerprint += ContentHash.fast(log) }
                contentHash = fingerprint
            } catch {
                for connection in connections { sqlite3_close(connection) }
                throw QueryError(message: "cannot read snapshot '\(name)': \(error)")
            }
        }
        var taken: CalendarDate?
        if let result = try? Self.run(first, "SELECT value FROM _meta WHERE key = 'snapshot_at'", limits: QueryLimits(), parameters: [:]),
           let text = result.rows.first?.first?.description {
            taken = CalendarDate(parsing: text)
        }
        if taken == nil, let seconds = FileSystem.modificationTime(path) {
            taken = CalendarDate(secondsSinceEpoch: Int(seconds))
        }
        takenAt = taken
    }

    deinit {
        for connection in connections {
            sqlite3_exec(connection, "COMMIT", nil, nil, nil)
            sqlite3_close(connection)
        }
    }

    /// Opens one connection (loading a dump into memory) and starts its read transaction.
    private static func connect(name: String, path: String, dump: [UInt8]?) throws(QueryError) -> OpaquePointer {
        var handle: OpaquePointer?
        let flags = dump != nil ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY : SQLITE_OPEN_READONLY
        guard sqlite3_open_v2(dump != nil ? ":memory:" : path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw QueryError(message: "cannot open snapshot '\(name)': \(message)")
        }
        // A writer committing right now holds the file for a moment: wait for it, not fail.
        sqlite3_busy_timeout(handle, 5000)
        if let dump {
            if sqlite3_exec(handle, String(decoding: dump, as: UTF8.self), nil, nil, nil) != SQLITE_OK {
                let message = String(cString: sqlite3_errmsg(handle))
                sqlite3_close(handle)
                throw QueryError(message: "cannot load SQL dump '\(name)': \(message)")
            }
        } else if let problem = integrityProblem(handle) {
            // Fail now, naming the file, if it is not a database (or is truncated).
            sqlite3_close(handle)
            throw QueryError(message: "snapshot '\(name)' is not a readable SQLite database: \(problem)")
        }
        sqlite3_exec(handle, "PRAGMA query_only = ON", nil, nil, nil)
        // One read transaction for the whole build: a consistent state of the snapshot.
        sqlite3_exec(handle, "BEGIN", nil, nil, nil)
        sqlite3_exec(handle, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
        return handle
    }

    /// From here on SQLite itself refuses anything but reading on this connection.
    private static func lockDown(_ connection: OpaquePointer) {
        sqlite3_set_authorizer(connection, readOnlyAuthorizer, nil)
    }

    /// Asked of SQLite directly, before the connection is locked down to reading.
    private static func journalMode(_ connection: OpaquePointer) -> String {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection, "PRAGMA journal_mode", -1, &statement, nil) == SQLITE_OK,
              sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return "" }
        return String(cString: text).lowercased()
    }

    private static func integrityProblem(_ handle: OpaquePointer) -> String? {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, "SELECT count(*) FROM sqlite_master", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        if status != SQLITE_OK { return String(cString: sqlite3_errmsg(handle)) }
        if sqlite3_step(statement) != SQLITE_ROW { return String(cString: sqlite3_errmsg(handle)) }
        return nil
    }

    /// Whether every named table exists, for features that need a known schema.
    public func hasTables(_ names: [String]) -> Bool {
        names.allSatisfy { name in
            let result = try? query("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = :name",
                                    parameters: ["name": .text(name)])
            return result?.rows.isEmpty == false
        }
    }

    /// Runs one query with its parameters bound by name (`:month`), never spliced into the SQL.
    public func query(_ sql: String, parameters: [String: Value] = [:], limits: QueryLimits = QueryLimits()) throws(QueryError) -> QueryResult {
        let index = pool.take()
        defer { pool.give(index) }
        return try Self.run(connections[index], sql, limits: limits, parameters: parameters)
    }

    private static func run(_ database: OpaquePointer, _ sql: String, limits: QueryLimits, parameters: [String: Value]) throws(QueryError) -> QueryResult {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let status = sql.withCString { text in
            let result = sqlite3_prepare_v2(database, text, -1, &statement, &tail)
            if let tail, result == SQLITE_OK {
                // Only one statement per block: `SELECT 1; DELETE …` is refused as a whole.
                // What follows may still be comments, which prepare to no statement.
                var next: OpaquePointer?
                let rest = sqlite3_prepare_v2(database, tail, -1, &next, nil)
                defer { sqlite3_finalize(next) }
                if rest != SQLITE_OK || next != nil { return SQLITE_MISUSE }
            }
            return result
        }
        defer { sqlite3_finalize(statement) }
        if status == SQLITE_MISUSE {
            throw QueryError(message: "a sql block holds one statement; split the rest into another block")
        }
        guard status == SQLITE_OK, let statement else { throw error(database) }
        if sqlite3_stmt_readonly(statement) == 0 {
            throw QueryError(message: "only reading queries are allowed: this statement would change the snapshot")
        }
        for index in 0..<sqlite3_bind_parameter_count(statement) {
            guard let namePointer = sqlite3_bind_parameter_name(statement, index + 1) else {
                throw QueryError(message: "use named parameters like :month, not ? placeholders")
            }
            let name = String(String(cString: namePointer).dropFirst())
            guard let value = parameters[name] else {
                let known = parameters.keys.sorted().map { ":" + $0 }.joined(separator: ", ")
                throw QueryError(message: "no value for parameter :\(name)" + (known.isEmpty ? "; set it under params: in front matter" : "; available: \(known)"))
            }
            switch value {
            case .null, .blob: sqlite3_bind_null(statement, index + 1)
            case .integer(let number): sqlite3_bind_int64(statement, index + 1, number)
            case .real(let number): sqlite3_bind_double(statement, index + 1, number)
            case .text(let text): sqlite3_bind_text(statement, index + 1, text, -1, SQLITE_TRANSIENT)
            }
        }
        let columnCount = Int(sqlite3_column_count(statement))
        let columns = (0..<columnCount).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
        let origins = (0..<columnCount).map { column -> String? in
            guard let table = sqlite3_column_table_name(statement, Int32(column)),
                  let origin = sqlite3_column_origin_name(statement, Int32(column)) else { return nil }
            return String(cString: table) + "." + String(cString: origin)
        }
        let deadline = Deadline(seconds: limits.timeout)
        let box = Unmanaged.passRetained(deadline)
        defer { box.release() }
        sqlite3_progress_handler(database, 10_000, { context in
            Unmanaged<Deadline>.fromOpaque(context!).takeUnretainedValue().passed ? 1 : 0
        }, box.toOpaque())
        defer { sqlite3_progress_handler(database, 0, nil, nil) }
        var rows: [[Value]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                if step == SQLITE_INTERRUPT {
                    throw QueryError(message: "query stopped after \(formatLimit(limits.timeout)) s (query_timeout); make it cheaper or raise the limit")
                }
                throw error(database)
            }
            if rows.count == limits.maxRows {
                throw QueryError(message: "query returned more than \(limits.maxRows) rows (max_rows); add a LIMIT or aggregate")
            }
            var row: [Value] = []
            row.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let pointer = sqlite3_column_text(statement, column)!
                    row.append(.text(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)))
                case SQLITE_BLOB: row.append(.blob(Int(sqlite3_column_bytes(statement, column))))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
        return QueryResult(columns: columns, rows: rows, origins: origins)
    }

    private static func error(_ database: OpaquePointer) -> QueryError {
        let offset = Int(sqlite3_error_offset(database))
        var message = String(cString: sqlite3_errmsg(database))
        if message == "not authorized" {
            message = "not allowed: snapshots are read-only (no writes, ATTACH, PRAGMA changes or extensions)"
        }
        return QueryError(message: message, offset: offset >= 0 ? offset : nil)
    }

    private static func formatLimit(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// The authorizer: reading is allowed; anything that could change a file is denied inside
/// SQLite itself, so no spelling of the SQL gets around it.
private func readOnlyAuthorizer(_: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
                                _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_FUNCTION:
        let name = second.map { String(cString: $0).lowercased() } ?? ""
        return name == "load_extension" || name == "readfile" || name == "writefile" || name == "edit" ? SQLITE_DENY : SQLITE_OK
    case SQLITE_PRAGMA:
        // Reading pragmas without an argument (table_info(x) has one, but only reads) are allowed.
        let name = first.map { String(cString: $0).lowercased() } ?? ""
        let reading: Set<String> = ["table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list", "table_list"]
        return reading.contains(name) ? SQLITE_OK : SQLITE_DENY
    default:
        return SQLITE_DENY
    }
}

private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A point in time a query must finish by.
final class Deadline: @unchecked Sendable {
    let end: Double
    init(seconds: Double) { end = Deadline.now() + seconds }
    var passed: Bool { Deadline.now() > end }
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Hands out connection indices, one caller at a time per connection.
final class ConnectionPool: @unchecked Sendable {
    private var free: [Int]
    private var mutex = pthread_mutex_t()
    private var available = pthread_cond_t()

    init(count: Int) {
        free = Array(0..<count)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&available, nil)
    }

    deinit {
        pthread_cond_destroy(&available)
        pthread_mutex_destroy(&mutex)
    }

    func take() -> Int {
        pthread_mutex_lock(&mutex)
        while free.isEmpty { pthread_cond_wait(&available, &mutex) }
        let index = free.removeLast()
        pthread_mutex_unlock(&mutex)
        return index
    }

    func give(_ index: Int) {
        pthread_mutex_lock(&mutex)
        free.append(index)
        pthread_cond_signal(&available)
        pthread_mutex_unlock(&mutex)
    }
}

enum ProcessorCount {
    static var active: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

