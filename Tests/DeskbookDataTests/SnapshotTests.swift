import CSQLite
import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import DeskbookData

/// Makes a SQLite file with a table of deals, through the plain C API.
func makeDatabase(_ path: String, wal: Bool = false, rows: Int = 3) throws {
    var handle: OpaquePointer?
    #expect(sqlite3_open(path, &handle) == SQLITE_OK)
    defer { sqlite3_close(handle) }
    var sql = wal ? "PRAGMA journal_mode = WAL;" : ""
    sql += "CREATE TABLE deals (agent TEXT, amount REAL); CREATE INDEX deals_agent ON deals (agent); CREATE TABLE _meta (key TEXT, value TEXT);"
    sql += "INSERT INTO _meta VALUES ('snapshot_at', '2026-11-26T06:00:00+08:00');"
    for index in 0..<rows { sql += "INSERT INTO deals VALUES ('agent\(index)', \(index * 100));" }
    #expect(sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK)
}

@Suite struct SnapshotTests {
    @Test func runsQueriesWithNamedParametersAndReadsMeta() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        try makeDatabase(site.root + "/office.sqlite")
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sqlite", displayPath: "office.sqlite")
        let result = try snapshot.query("SELECT agent, amount FROM deals WHERE amount >= :least ORDER BY amount", parameters: ["least": .integer(100)])
        #expect(result.columns == ["agent", "amount"])
        #expect(result.rows.map { $0[0] } == [.text("agent1"), .text("agent2")])
        #expect(snapshot.takenAt?.rfc3339 == "2026-11-26T06:00:00+08:00")
    }

    @Test func aParameterIsBoundNeverSpliced() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        try makeDatabase(site.root + "/office.sqlite")
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sqlite", displayPath: "office.sqlite")
        let result = try snapshot.query("SELECT COUNT(*) FROM deals WHERE agent = :name", parameters: ["name": .text("x' OR '1'='1")])
        #expect(result.rows.first?.first == .integer(0))
    }

    /// Every way SQL can change a file, or reach beyond the snapshot, tried on a real file.
    static let writes = [
        "INSERT INTO deals VALUES ('x', 1)",
        "INSERT INTO deals VALUES ('x', 1) RETURNING *",
        "REPLACE INTO deals VALUES ('x', 1)",
        "UPDATE deals SET amount = 0",
        "DELETE FROM deals",
        "WITH gone AS (SELECT 1) DELETE FROM deals",
        "DROP TABLE deals",
        "CREATE TABLE stolen (x)",
        "CREATE TEMP TABLE scratch (x)",
        "CREATE VIEW v AS SELECT * FROM deals",
        "CREATE INDEX i ON deals (agent)",
        "CREATE TRIGGER t AFTER INSERT ON deals BEGIN SELECT 1; END",
        "ALTER TABLE deals ADD COLUMN extra TEXT",
        "ALTER TABLE deals RENAME TO other",
        "REINDEX",
        "REINDEX deals_agent",
        "DROP INDEX deals_agent",
        "ANALYZE",
        "VACUUM",
        "VACUUM INTO '/tmp/deskbook-vacuum-copy.db'",
        "ATTACH DATABASE '/tmp/other.db' AS other",
        "ATTACH 'file:/tmp/other.db?mode=rwc' AS other",
        "DETACH DATABASE main",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA journal_mode = WAL",
        "PRAGMA user_version = 5",
        "PRAGMA main.user_version = 5",
        "PRAGMA application_id = 7",
        "PRAGMA writable_schema = ON",
        "PRAGMA query_only = OFF",
        "PRAGMA foreign_keys = ON",
        "PRAGMA locking_mode = EXCLUSIVE",
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "COMMIT",
        "SAVEPOINT s",
        "SELECT load_extension('/tmp/evil.so')",
        "SELECT load_extension('/tmp/evil.so', 'entry')",
        "SELECT 1; DELETE FROM deals",
    ]

    @Test(arguments: writes)
    func everyWriteIsRefusedAndTheFileStaysTheSame(sql: String) throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let path = site.root + "/office.sqlite"
        try makeDatabase(path)
        let before = try FileSystem.readFile(path)
        do {
            let snapshot = try Snapshot(name: "office", path: path, displayPath: "office.sqlite")
            #expect(throws: QueryError.self) { try snapshot.query(sql) }
            // Nothing changed, and the build's one read transaction is still open.
            #expect(try snapshot.query("SELECT COUNT(*) FROM deals").rows.first?.first == .integer(3))
            #expect(try snapshot.query("PRAGMA table_info(deals)").rows.count == 2)
        }
        #expect(try FileSystem.readFile(path) == before)
        #expect(!FileSystem.exists(path + "-journal") && !FileSystem.exists(path + "-wal"))
        #expect(!FileSystem.exists("/tmp/other.db"))
        #expect(!FileSystem.exists("/tmp/deskbook-vacuum-copy.db"))
    }

    @Test(arguments: writes)
    func anInMemoryDumpRefusesTheSameWrites(sql: String) throws {
        let site = try TestSite(["office.sql": "CREATE TABLE deals (agent TEXT, amount REAL); CREATE INDEX deals_agent ON deals (agent); INSERT INTO deals VALUES ('a', 1), ('b', 2), ('c', 3);"])
        defer { site.remove() }
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sql", displayPath: "office.sql")
        #expect(throws: QueryError.self) { try snapshot.query(sql) }
        #expect(try snapshot.query("SELECT COUNT(*), SUM(amount) FROM deals").rows.first == [.integer(3), .real(6)])
        #expect(!FileSystem.exists("/tmp/other.db"))
        #expect(!FileSystem.exists("/tmp/deskbook-vacuum-copy.db"))
    }

    @Test func aRefusedQuerySaysWhy() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        try makeDatabase(site.root + "/office.sqlite")
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sqlite", displayPath: "office.sqlite")
        do {
            _ = try snapshot.query("PRAGMA user_version = 5")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message.contains("read-only"))
        }
    }

    @Test func anSQLErrorSaysWhereInTheQuery() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        try makeDatabase(site.root + "/office.sqlite")
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sqlite", displayPath: "office.sqlite")
        do {
            _ = try snapshot.query("SELECT agent,\n  amout FROM deals")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "no such column: amout")
            #expect(error.offset == 16)
        }
    }

    @Test func theRowCapAndTimeLimitSayWhichLimitWasHit() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        try makeDatabase(site.root + "/office.sqlite", rows: 50)
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sqlite", displayPath: "office.sqlite")
        do {
            _ = try snapshot.query("SELECT * FROM deals", limits: QueryLimits(timeout: 10, maxRows: 10))
            Issue.record("expected the row cap")
        } catch {
            #expect(error.message.contains("more than 10 rows (max_rows)"))
        }
        do {
            let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
            _ = try snapshot.query(endless, limits: QueryLimits(timeout: 0.2, maxRows: 10))
            Issue.record("expected the time limit")
        } catch {
            #expect(error.message.contains("(query_timeout)"))
        }
    }

    @Test func aBuildSeesOneStateWhileAnotherProcessWrites() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let path = site.root + "/office.sqlite"
        try makeDatabase(path, wal: true)
        let snapshot = try Snapshot(name: "office", path: path, displayPath: "office.sqlite")
        #expect(try snapshot.query("SELECT COUNT(*) FROM deals").rows.first?.first == .integer(3))
        // Another writer commits while the build is running.
        var writer: OpaquePointer?
        #expect(sqlite3_open(path, &writer) == SQLITE_OK)
        #expect(sqlite3_exec(writer, "INSERT INTO deals VALUES ('late', 999)", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(writer)
        #expect(try snapshot.query("SELECT COUNT(*) FROM deals").rows.first?.first == .integer(3))
        #expect(try snapshot.query("SELECT SUM(amount) FROM deals").rows.first?.first == .real(300))
    }

    @Test func aTruncatedSnapshotIsNamedNotCrashedOn() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let path = site.root + "/office.sqlite"
        try makeDatabase(path, rows: 200)
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(path, Array(bytes.prefix(bytes.count / 2)))
        #expect(throws: QueryError.self) {
            let snapshot = try Snapshot(name: "office", path: path, displayPath: "office.sqlite")
            _ = try snapshot.query("SELECT * FROM deals")
        }
    }

    @Test func aSQLDumpIsLoadedIntoMemory() throws {
        let site = try TestSite(["office.sql": "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);"])
        defer { site.remove() }
        let snapshot = try Snapshot(name: "office", path: site.root + "/office.sql", displayPath: "office.sql")
        #expect(try snapshot.query("SELECT SUM(x) FROM t").rows.first?.first == .integer(3))
        #expect(throws: QueryError.self) { try snapshot.query("DELETE FROM t") }
    }
}

@Suite struct FormatTests {
    let taiwan = FormatLocale(language: .traditionalChinese, currency: "TWD")

    @Test func formatsFollowTheLocale() {
        #expect(taiwan.format(.real(12_345_678.4), as: .money) == "NT$12,345,678")
        #expect(taiwan.format(.integer(1234), as: .integer) == "1,234")
        #expect(taiwan.format(.real(0.8754), as: .percent) == "87.5%")
        #expect(taiwan.format(.real(12_345_678), as: .wan) == "1,234.6萬")
        #expect(taiwan.format(.real(30_000_000), as: .wan) == "3,000萬")
        #expect(taiwan.format(.real(88.25), as: .area) == "88.3 ㎡")
        #expect(taiwan.format(.text("2026-03-14"), as: .date) == "2026年3月14日")
        #expect(taiwan.format(.text("2026-03-14 09:05"), as: .datetime) == "2026年3月14日 09:05")
        #expect(taiwan.format(.integer(93_780), as: .duration) == "1 天 2 小時")
        #expect(taiwan.format(.null, as: .money) == "—")
        let english = FormatLocale(language: .english, currency: "USD")
        #expect(english.format(.real(-1234.5), as: .money) == "-US$1,234.50")
        #expect(english.format(.text("2026-03-14"), as: .date) == "14 Mar 2026")
        let mainland = FormatLocale(language: .simplifiedChinese, currency: "CNY")
        #expect(mainland.format(.real(50_000), as: .wan) == "5万")
    }
}
