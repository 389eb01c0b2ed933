import CSQLite
import DeskbookSupport
import DeskbookTestSupport
import Foundation
import Testing
@testable import Build

/// What the build does when the data or the output folder misbehaves while it runs.
@Suite struct SnapshotFaultTests {
    /// A snapshot with a counter that another writer bumps, and 300 pages that each query it
    /// with a parameter of their own (so no page's answer comes from another's), slowly enough
    /// that the writer commits many times while the pages render.
    func counterSite(wal: Bool) throws -> TestSite {
        let site = try TestSite([
            "deskbook.yaml": "title: 測試\ndata:\n  office: data/office.sqlite\n",
            "content/_index.md": TestSite.page("首頁"),
            "content/rows/_index.md": TestSite.page("列表"),
            "content/rows/row.md": """
            ---
            title: "第 {{n}} 頁"
            slug: "{{n}}"
            each: SELECT n FROM seq
            ---

            ```sql now
            SELECT value + (SELECT count(*) FROM seq a, seq b WHERE a.n < :n) * 0 AS value FROM counter
            ```

            計數 {{ now.value }} 止
            """,
        ])
        try FileSystem.makeDirectories(site.root + "/data")
        try execute(site.root + "/data/office.sqlite", (wal ? "PRAGMA journal_mode = WAL;" : "")
            + "CREATE TABLE counter (value INTEGER); INSERT INTO counter VALUES (1);"
            + "CREATE TABLE seq (n INTEGER);"
            + "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300) INSERT INTO seq SELECT n FROM s;")
        return site
    }

    @discardableResult
    func execute(_ path: String, _ sql: String, timeoutMilliseconds: Int32 = 1000) throws -> Int32 {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw FileSystem.Failure(path: path, reason: "cannot open") }
        defer { sqlite3_close(handle) }
        sqlite3_busy_timeout(handle, timeoutMilliseconds)
        return sqlite3_exec(handle, sql, nil, nil, nil)
    }

    @Test(arguments: [false, true])
    func aSnapshotWrittenDuringTheBuildGivesEveryPageTheSameState(wal: Bool) throws {
        let site = try counterSite(wal: wal)
        defer { site.remove() }
        let path = site.root + "/data/office.sqlite"
        // A writer commits as fast as it can while the build runs.
        let stop = Mutex()
        nonisolated(unsafe) var running = true
        nonisolated(unsafe) var commits = 0
        let writer = Thread {
            while stop.withLock({ running }) {
                if (try? self.execute(path, "PRAGMA synchronous = OFF; UPDATE counter SET value = value + 1", timeoutMilliseconds: 5)) == SQLITE_OK {
                    stop.withLock { commits += 1 }
                }
            }
        }
        writer.start()
        while stop.withLock({ commits }) < 3 { usleep(1000) }
        let before = stop.withLock { commits }
        var options = BuildOptions(siteDirectory: site.root)
        options.cacheDirectory = nil
        _ = try SiteBuilder.build(options)
        stop.withLock { running = false }
        while !writer.isFinished { usleep(1000) }
        let values = Set((1...300).compactMap { number -> String? in
            guard let html = site.read("rows/\(number)/index.html"), let range = html.range(of: "<p>計數 ") else { return nil }
            return String(html[range.upperBound...].prefix { $0.isNumber || $0 == "," })
        })
        #expect(values.count == 1 && !values.contains(""), "pages of one build saw \(values.count) states of the snapshot: \(values.sorted().prefix(5))")
        #expect(stop.withLock { commits } > before, "the writer never committed during the build")
    }

    @Test func aTruncatedSnapshotFailsNamingItAndKeepsTheSite() throws {
        let site = try counterSite(wal: false)
        defer { site.remove() }
        _ = try SiteBuilder.build(BuildOptions(siteDirectory: site.root))
        let live = FileSystem.symlinkTarget(site.output)
        let path = site.root + "/data/office.sqlite"
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(path, Array(bytes.prefix(bytes.count / 2)))
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try SiteBuilder.build(BuildOptions(siteDirectory: site.root)) })
        #expect(problems.contains { $0.description.contains("snapshot 'office' is not a readable SQLite database") }, "got \(problems)")
        #expect(FileSystem.symlinkTarget(site.output) == live)
        #expect(try #require(site.read("rows/7/index.html")).contains("計數 1 止"))
    }

    @Test func aReadOnlyOutputFolderFailsClearlyAndKeepsTheSite() throws {
        // Root writes through file permissions, so the folder is made read-only by mounting.
        guard getuid() == 0 else {
            print("skipped: mounting a read-only file system for this test needs root (CI runs as root)")
            return
        }
        let site = try TestSite(["content/_index.md": TestSite.page("首頁"), "content/a.md": TestSite.page("A", "第一版")])
        defer { site.remove() }
        let disk = site.root + "/disk"
        try withTmpfs(at: disk, size: "8m") {
            let options = BuildOptions(siteDirectory: site.root, outputDirectory: disk + "/public")
            _ = try SiteBuilder.build(options)
            let live = try #require(FileSystem.symlinkTarget(disk + "/public"))
            #expect(try runCommand(["mount", "-o", "remount,ro", disk]) == 0)
            try site.write("content/a.md", TestSite.page("A", "第二版"))
            let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try SiteBuilder.build(options) })
            #expect(problems.count == 1 && problems[0].description.contains("Read-only file system"), "got \(problems)")
            #expect(FileSystem.symlinkTarget(disk + "/public") == live)
            #expect(try FileSystem.readText(disk + "/public/a/index.html").contains("第一版"))
            // Writable again, the next build publishes with no clean-up.
            #expect(try runCommand(["mount", "-o", "remount,rw", disk]) == 0)
            _ = try SiteBuilder.build(options)
            #expect(try FileSystem.readText(disk + "/public/a/index.html").contains("第二版"))
            #expect(Releases(output: disk + "/public").incomplete.isEmpty)
        }
    }
}
