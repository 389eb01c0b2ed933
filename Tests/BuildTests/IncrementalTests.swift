import DeskbookSupport
import Dispatch
import DeskbookTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Build

/// A site that exercises everything an incremental build must get right: sections with
/// subsections, tags and related FAQ entries, a data page and a templated page over a
/// snapshot, a course bundle with a material file, a site template override.
func incrementalSite() throws -> TestSite {
    var pages: [String: String] = [
        "content/faq/_index.md": TestSite.page("常見問題", extra: "weight: 1"),
        "content/faq/loans/_index.md": TestSite.page("貸款"),
        "content/policies/_index.md": TestSite.page("管理制度", extra: "weight: 2\ngroup_by: owner"),
        "content/policies/leave.md": TestSite.page("請假規定", "內容", extra: "date: 2026-02-01\nowner: 人資部"),
        "content/training/c1/index.md": TestSite.page("新人訓練", "見[講義](slides.txt)。", extra: "date: 2026-03-01\ntags: [訓練]"),
        "content/training/c1/slides.txt": "講義內容",
        "content/board.md": TestSite.page("排行", boardQuery + "\n\n```table\ndata: board\ncolumns: [name, amount]\n```\n",
                                          extra: "date: 2026-04-01\nparams: {month: \"2026-11\"}"),
        "content/agents/_index.md": TestSite.page("業務員"),
        "content/agents/agent.md": agentPage,
    ]
    for number in 1...12 {
        pages["content/faq/loans/q\(number).md"] = TestSite.page(
            "貸款問題\(number)", "回答\(number)，見 [第一題](q1.md)。",
            extra: "date: 2026-05-\(10 + number)\ntags: [貸款\(number % 3 == 0 ? ", 首購" : "")]\nreply: 簡答\(number)")
    }
    return try dataSite(pages, config: "paginate: 5\nmax_data_age: 26h\n")
}

/// Every file of an output tree with its bytes, but for the build report and status page,
/// which record when and how fast the build ran.
func outputTree(_ root: String) -> [String: [UInt8]] {
    TestSite.contents(under: root).filter { $0.key != "_build.json" && $0.key != "admin/status/index.html" }
}

/// When the incremental tests' builds run (a snapshot of the morning before is fresh).
let incrementalBuildTime = CalendarDate(year: 2026, month: 11, day: 26, hour: 8)

/// The site built from nothing into a folder of its own, without the cache.
func coldOutput(_ site: TestSite, at time: CalendarDate = incrementalBuildTime) throws -> [String: [UInt8]] {
    let folder = site.root + "/cold-\(Int.random(in: 0..<1_000_000))"
    var options = BuildOptions(siteDirectory: site.root, outputDirectory: folder)
    options.buildTime = time
    options.cacheDirectory = nil
    _ = try SiteBuilder.build(options)
    defer {
        FileSystem.removeTree(folder)
        FileSystem.removeTree(folder + ".releases")
    }
    return outputTree(folder)
}

/// The site's live output is the same as a build from nothing would make, file for file.
func expectSameAsCold(_ site: TestSite, at time: CalendarDate = incrementalBuildTime, _ step: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
    let incremental = outputTree(site.output)
    let cold = try coldOutput(site, at: time)
    let differing = Set(incremental.keys).union(cold.keys).filter { incremental[$0] != cold[$0] }.sorted()
    #expect(differing.isEmpty, "after \(step): differs from a cold build: \(differing)", sourceLocation: sourceLocation)
}

@Suite struct IncrementalBuildTests {
    let now = incrementalBuildTime

    func incremental(_ site: TestSite, at time: CalendarDate? = nil) throws(DiagnosticsError) -> BuildReport {
        var options = BuildOptions(siteDirectory: site.root)
        options.buildTime = time ?? now
        return try SiteBuilder.build(options)
    }

    @Test func aBuildWithNothingChangedWritesNothing() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        let first = try incremental(site)
        #expect(!first.nothingChanged && first.pagesRendered > 20)
        let live = FileSystem.symlinkTarget(site.output)
        let page = site.output + "/faq/loans/q3/index.html"
        let before = try #require(FileSystem.status(page))
        usleep(20_000)
        let second = try incremental(site)
        #expect(second.nothingChanged)
        #expect(second.filesWritten == 0 && second.pagesRendered == 0)
        #expect(FileSystem.symlinkTarget(site.output) == live)
        #expect(FileSystem.status(page) == before)
        #expect(ReleaseHistory(output: site.output).names.count == 1)
    }

    @Test func anEditedPageIsTheOnlyOneRenderedWithThePagesThatListIt() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        let first = try incremental(site)
        let untouched = try #require(FileSystem.status(site.output + "/policies/leave/index.html"))
        try site.write("content/faq/loans/q7.md", TestSite.page("貸款問題7", "新的回答內容。",
                                                               extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
        let second = try incremental(site)
        #expect(second.pagesRendered == 1, "rendered \(second.pagesRendered) of \(first.pagesRendered)")
        #expect(try #require(site.read("faq/loans/q7/index.html")).contains("新的回答內容。"))
        // Files that did not change are the same file (a hard link), with their time.
        let after = try #require(FileSystem.status(site.output + "/policies/leave/index.html"))
        #expect(after.inode == untouched.inode && after.modified == untouched.modified)
        try expectSameAsCold(site, "a body edit")
        // A title shows in lists and related entries: those pages are rendered again.
        try site.write("content/faq/loans/q7.md", TestSite.page("改過的標題", "新的回答內容。",
                                                               extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
        let third = try incremental(site)
        #expect(third.pagesRendered > 1 && third.pagesRendered < first.pagesRendered)
        #expect(try #require(site.read("faq/loans/index.html")).contains("改過的標題")
                || site.read("faq/loans/page/2/index.html")?.contains("改過的標題") == true)
        try expectSameAsCold(site, "a title edit")
    }

    @Test func everyKindOfChangeGivesTheSameSiteAsAColdBuild() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        let steps: [(String, () throws -> Void)] = [
            ("adding a page", { try site.write("content/faq/loans/q99.md", TestSite.page("新問題", "內容", extra: "date: 2026-11-01\ntags: [首購]\nreply: 新答")) }),
            ("removing a page", { FileSystem.removeTree(site.root + "/content/faq/loans/q2.md") }),
            ("changing tags", { try site.write("content/faq/loans/q4.md", TestSite.page("貸款問題4", "回答4", extra: "date: 2026-05-14\ntags: [首購, 新標籤]\nreply: 簡答4")) }),
            // A page with a summary of its own keeps no first paragraph for the feed: one that
            // loses it must show its first paragraph there again.
            ("giving a page a summary", { try site.write("content/faq/loans/q6.md", TestSite.page("貸款問題6", "回答6", extra: "date: 2026-05-16\ntags: [貸款]\nreply: 簡答6\nsummary: 自訂摘要")) }),
            ("taking the summary away", { try site.write("content/faq/loans/q6.md", TestSite.page("貸款問題6", "回答6", extra: "date: 2026-05-16\ntags: [貸款]\nreply: 簡答6")) }),
            ("renaming a section", { try site.write("content/faq/loans/_index.md", TestSite.page("房屋貸款")) }),
            ("changing a date (list order)", { try site.write("content/faq/loans/q5.md", TestSite.page("貸款問題5", "回答5", extra: "date: 2027-01-01\ntags: [貸款]\nreply: 簡答5")) }),
            ("changing the policy group", { try site.write("content/policies/leave.md", TestSite.page("請假規定", "內容", extra: "date: 2026-02-01\nowner: 總務部")) }),
            ("changing a course material", { try site.write("content/training/c1/slides.txt", "更長的講義內容，更長的講義內容") }),
            ("changing the snapshot", {
                try site.write("data/office.sql", officeDump.replacing("('A1', '2026-11', 30000000", with: "('A1', '2026-11', 40000000"))
            }),
            ("renaming an agent (templated page title)", {
                try site.write("data/office.sql", officeDump.replacing("'王小明'", with: "'王大明'"))
            }),
            ("overriding a template", { try site.write("themes/default/templates/footer.mustache", "<footer>自訂頁尾</footer>") }),
            ("changing the config", { try site.write("deskbook.yaml", "title: 新名稱\ndata:\n  office: data/office.sql\npaginate: 4\nmax_data_age: 26h\n") }),
            ("deleting the cache", { FileSystem.removeTree(site.root + "/.deskbook-cache") }),
        ]
        for (step, change) in steps {
            try change()
            let report = try incremental(site)
            #expect(!report.nothingChanged, "\(step) went unnoticed")
            try expectSameAsCold(site, step)
        }
    }

    /// A templated page's summary comes from its row: a row that changes only there changes
    /// the list that shows the page.
    @Test func aRowsNewSummaryShowsInTheListOfItsPages() throws {
        let template = agentPage.replacing("each: SELECT agent_id, name FROM agents ORDER BY agent_id",
                                           with: "summary: \"{{team}}的業務員\"\neach: SELECT agent_id, name, team FROM agents ORDER BY agent_id")
        let site = try dataSite(["content/agents/_index.md": TestSite.page("業務員"), "content/agents/agent.md": template])
        defer { site.remove() }
        _ = try incremental(site)
        #expect(try #require(site.read("agents/index.html")).contains("松柏組的業務員"))
        try site.write("data/office.sql", officeDump.replacing("('A1', '王小明', '松柏組')", with: "('A1', '王小明', '竹林組')"))
        _ = try incremental(site)
        #expect(try #require(site.read("agents/index.html")).contains("竹林組的業務員"))
        try expectSameAsCold(site, "a row's new summary")
    }

    @Test func aSnapshotTurningStaleRebuildsTheDataPages() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        #expect(try incremental(site).nothingChanged)
        // The snapshot was taken 2026-11-26 06:00 +08:00; 26 hours later it is stale.
        let later = CalendarDate(year: 2026, month: 11, day: 27, hour: 9)
        let report = try incremental(site, at: later)
        #expect(!report.nothingChanged)
        #expect(try #require(site.read("board/index.html")).contains("stale"))
        try expectSameAsCold(site, at: later, "the snapshot turning stale")
    }

    @Test func afterARollbackTheNextBuildStartsFromTheServedRelease() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        try site.write("content/policies/leave.md", TestSite.page("請假規定", "第二版", extra: "date: 2026-02-01\nowner: 人資部"))
        _ = try incremental(site)
        _ = try ReleaseHistory(output: site.output).rollBack()
        #expect(try #require(site.read("policies/leave/index.html")).contains("內容"))
        let report = try incremental(site)
        #expect(!report.nothingChanged)
        #expect(try #require(site.read("policies/leave/index.html")).contains("第二版"))
        try expectSameAsCold(site, "a rollback")
    }

    /// Once there are as many releases as are kept, a build makes over the oldest instead of
    /// filling an empty folder: it must come out as the cold build does, also where a file
    /// of the old release stands where the new one has a folder, or the other way round.
    @Test func anOldReleaseMadeOverIsTheSameAsAColdBuild() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        var edits = 0
        func editAndBuild() throws {
            edits += 1
            try site.write("content/policies/leave.md", TestSite.page("請假規定", "第\(edits)版", extra: "date: 2026-02-01\nowner: 人資部"))
            _ = try incremental(site)
        }
        try site.write("content/faq/guide", "一個沒有副檔名的檔案")
        for _ in 0..<3 { try editAndBuild() }
        let oldest = try #require(ReleaseHistory(output: site.output).names.first)
        #expect(FileSystem.exists(site.output + "/faq/guide") && !FileSystem.isDirectory(site.output + "/faq/guide"))
        // The file becomes a page: a folder where the oldest release has a file.
        FileSystem.removeTree(site.root + "/content/faq/guide")
        try site.write("content/faq/guide.md", TestSite.page("指南", "頁面內容"))
        try editAndBuild()
        #expect(!ReleaseHistory(output: site.output).names.contains(oldest))
        #expect(ReleaseHistory(output: site.output).names.count == 3)
        #expect(try #require(site.read("faq/guide/index.html")).contains("頁面內容"))
        try expectSameAsCold(site, "a file become a page")
        for _ in 0..<2 { try editAndBuild() }
        // And back: a file where the oldest release has a folder.
        FileSystem.removeTree(site.root + "/content/faq/guide.md")
        try site.write("content/faq/guide", "又是檔案")
        try editAndBuild()
        #expect(try #require(site.read("faq/guide")) == "又是檔案")
        try expectSameAsCold(site, "a page become a file")
        #expect(ReleaseHistory(output: site.output).names.count == 3)
        // After a rollback, the release made over is followed back from the one served.
        _ = try ReleaseHistory(output: site.output).rollBack()
        try editAndBuild()
        try expectSameAsCold(site, "a rollback")
        // Without the cache's record of what each build wrote, every file is looked at.
        FileSystem.removeTree(site.root + "/.deskbook-cache")
        try editAndBuild()
        try expectSameAsCold(site, "a lost cache")
    }

    @Test func aDamagedCacheIsIgnored() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        let builds = site.root + "/.deskbook-cache/builds"
        for entry in try FileSystem.listDirectory(builds) {
            let path = builds + "/" + entry.name
            var bytes = try FileSystem.readFile(path)
            bytes = Array(bytes.prefix(bytes.count / 2))
            try FileSystem.writeAtomically(path, bytes)
        }
        try site.write("content/policies/leave.md", TestSite.page("請假規定", "改過", extra: "date: 2026-02-01\nowner: 人資部"))
        let report = try incremental(site)
        #expect(!report.nothingChanged && report.pagesRendered > 20)
        try expectSameAsCold(site, "a damaged cache")
    }

    /// The pages' search terms and the index's postings are read from the cache as a build
    /// needs them. A cache changed under its records stops the build before it publishes;
    /// the cache goes, and the next build is whole.
    @Test func aCacheChangedUnderItsRecordsStopsTheBuildBeforePublishing() throws {
        for store in [".terms", ".postings"] {
            let site = try incrementalSite()
            defer { site.remove() }
            _ = try incremental(site)
            let live = FileSystem.symlinkTarget(site.output)
            let builds = site.root + "/.deskbook-cache/builds"
            for entry in try FileSystem.listDirectory(builds) where entry.name.hasSuffix(store) {
                var bytes = try FileSystem.readFile(builds + "/" + entry.name)
                for index in 16..<bytes.count { bytes[index] ^= 0x5A }
                try FileSystem.writeAtomically(builds + "/" + entry.name, bytes)
            }
            try site.write("content/faq/loans/q7.md", TestSite.page("貸款問題7", "新的回答內容。",
                                                                   extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
            let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try incremental(site) }, "\(store)")
            #expect(problems.contains { $0.message.contains("the build cache changed while it was read") }, "\(store): \(problems)")
            #expect(FileSystem.symlinkTarget(site.output) == live, "\(store)")
            let report = try incremental(site)
            #expect(report.pagesRendered > 20, "\(store)")
            try expectSameAsCold(site, "a build after the cache changed under its records (\(store))")
        }
    }

    /// A file of the live release removed by hand is made again by the next build that changes
    /// anything, not taken from a release that no longer holds it.
    @Test func aFileRemovedFromTheLiveReleaseIsMadeAgain() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        try removeFromLiveRelease(site, "policies/leave/index.html")
        // The sitemap, which an edit below the front matter leaves as it was, too.
        try removeFromLiveRelease(site, "sitemap.xml")
        let report = try answerQ7(site, "新的回答內容。")
        #expect(report.pagesRendered == 2, "the edited page and the one removed: \(report.pagesRendered)")
        #expect(try #require(site.read("policies/leave/index.html")).contains("請假規定"))
        #expect(try #require(site.read("sitemap.xml")).contains("policies/leave/"))
        try expectSameAsCold(site, "a file removed from the live release")
    }

    /// A search index file of the live release removed by hand is written again: the index's
    /// files are taken from the live release only while it holds all of them.
    @Test func aSearchFileRemovedFromTheLiveReleaseIsWrittenAgain() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        // Every shard of terms: those the edit leaves as they were would be taken from there.
        let live = try #require(FileSystem.symlinkTarget(site.output))
        let shards = (live.hasPrefix("/") ? live : FileSystem.parentPath(site.output) + "/" + live) + "/search/t"
        let names = try #require(FileSystem.statuses(in: shards)).map(\.name)
        #expect(names.count > 1)
        for name in names { try removeFromLiveRelease(site, "search/t/" + name) }
        _ = try answerQ7(site, "新的回答內容。")
        for name in names { #expect(site.read("search/t/" + name) != nil, "search/t/\(name)") }
        try expectSameAsCold(site, "a search file removed from the live release")
    }

    /// Once a build makes a release over an old one, a file it would take from the live
    /// release (one written since the old release was made) is looked for there: removed by
    /// hand, it is made again rather than failing the build.
    @Test func aFileRemovedFromTheLiveReleaseIsMadeAgainWhenAnOldReleaseIsMadeOver() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        // Releases 1 to 4; the fourth is made over the first, the next one over the second,
        // and takes from the live release what the third and fourth wrote (the leave page).
        _ = try incremental(site)
        _ = try answerQ7(site, "第一次")
        try site.write("content/policies/leave.md", TestSite.page("請假規定", "改過的內容", extra: "date: 2026-02-01\nowner: 人資部"))
        _ = try incremental(site)
        _ = try answerQ7(site, "第二次")
        try removeFromLiveRelease(site, "policies/leave/index.html")
        let report = try answerQ7(site, "第三次")
        #expect(report.pagesRendered == 2, "the edited page and the one removed: \(report.pagesRendered)")
        #expect(try #require(site.read("policies/leave/index.html")).contains("改過的內容"))
        try expectSameAsCold(site, "a file removed from the live release, an old release made over")
    }

    /// Removes one file of the live release, as by hand.
    func removeFromLiveRelease(_ site: TestSite, _ path: String) throws {
        let live = try #require(FileSystem.symlinkTarget(site.output))
        FileSystem.removeTree((live.hasPrefix("/") ? live : FileSystem.parentPath(site.output) + "/" + live) + "/" + path)
    }

    /// Gives FAQ entry 7 a new answer and builds.
    func answerQ7(_ site: TestSite, _ answer: String) throws -> BuildReport {
        try site.write("content/faq/loans/q7.md", TestSite.page("貸款問題7", answer, extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
        return try incremental(site)
    }

    /// A rebuild that finds the output's lock free takes it before it reads the build cache
    /// (mapped into memory while it holds it) and lets go of both when it ends. One that
    /// finds the lock held reads the cache and waits for the lock to write (`--wait`).
    @Test func aRebuildHoldsTheLockWhileItReadsTheCacheAndLetsGoAtTheEnd() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        _ = try incremental(site)
        try site.write("content/faq/loans/q7.md", TestSite.page("貸款問題7", "新的回答內容。", extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
        var options = BuildOptions(siteDirectory: site.root)
        options.buildTime = now
        // The cache files mapped while the build's work is still held (`built`), by this
        // process's list of its mappings.
        var mapped: [String] = []
        let edited = try SiteBuilder.build(options) { _ in
            let maps = (try? FileSystem.readText("/proc/self/maps")) ?? ""
            let cacheLines = maps.split(separator: "\n").map(String.init).filter { $0.contains(site.root + "/.deskbook-cache/builds/") }
            mapped = [".content", ".pages"].filter { suffix in cacheLines.contains { $0.hasSuffix(suffix) } }
        }
        #expect(edited.pagesRendered < 10, "rendered \(edited.pagesRendered)")
        #expect(mapped == [".content", ".pages"], "mapped: \(mapped)")
        // (Required: a build that waits for a lock its own process kept would wait for ever.)
        try #require(BuildLock.ifFree(releases: Releases(output: site.output)) != nil, "the lock was kept after the build")
        try expectSameAsCold(site, "a rebuild that mapped the cache")

        let output = site.output
        let taken = DispatchSemaphore(value: 0)
        let holder = Background { () -> Bool in
            let lock = try? BuildLock(releases: Releases(output: output), wait: false)
            taken.signal()
            usleep(300_000)
            return withExtendedLifetime(lock) { lock != nil }
        }
        taken.wait()
        try site.write("content/faq/loans/q7.md", TestSite.page("貸款問題7", "等候後的回答。", extra: "date: 2026-05-17\ntags: [貸款]\nreply: 簡答7"))
        options.waitForLock = true
        let waited = try SiteBuilder.build(options)
        #expect(holder.result(), "the lock was not free for the holder")
        #expect(waited.pagesRendered < 10, "rendered \(waited.pagesRendered)")
        #expect(try #require(site.read("faq/loans/q7/index.html")).contains("等候後的回答。"))
        try expectSameAsCold(site, "a rebuild that waited for the lock")
    }

    /// The site built once, the path of its build cache's file ending in `cacheFile`, and the
    /// path its build state's files begin with.
    func builtSite(cacheFile: String) throws -> (site: TestSite, path: String, state: String) {
        let site = try incrementalSite()
        do {
            _ = try incremental(site)
            let builds = site.root + "/.deskbook-cache/builds"
            let name = try #require(try FileSystem.listDirectory(builds).first { $0.name.hasSuffix(cacheFile) }).name
            let path = builds + "/" + name
            return (site, path, String(path.dropLast(cacheFile.count)))
        } catch {
            site.remove()
            throw error
        }
    }

    /// What loading found in each file is a log in the cache: a rebuild adds the records of
    /// the files it read. A log cut short (a build killed while adding) serves up to the cut,
    /// and the next build writes it anew with the records that count.
    @Test func theLoadedFileLogGrowsByTheFilesReadAndSurvivesBeingCutShort() throws {
        let (site, path, state) = try builtSite(cacheFile: ".content")
        defer { site.remove() }
        let first = try FileSystem.readFile(path)
        let files = try #require(BuildState.loadLoadedFiles(state, lock: nil)).files.count
        _ = try answerQ7(site, "新的回答內容。")
        let second = try FileSystem.readFile(path)
        #expect(Array(second.prefix(first.count)) == first, "the log was written anew")
        #expect(second.count > first.count && second.count - first.count < 2_000)
        #expect(try #require(BuildState.loadLoadedFiles(state, lock: nil)).records == files + 1)
        try FileSystem.writeAtomically(path, Array(second.dropLast(5)))
        #expect(try #require(BuildState.loadLoadedFiles(state, lock: nil)).records == nil)
        try site.write("content/policies/leave.md", TestSite.page("請假規定", "改過", extra: "date: 2026-02-01\nowner: 人資部"))
        let report = try incremental(site)
        #expect(report.pagesRendered < 10, "rendered \(report.pagesRendered)")
        try expectSameAsCold(site, "a loaded-file log cut short")
        let rewritten = try #require(BuildState.loadLoadedFiles(state, lock: nil))
        #expect(rewritten.records == files && rewritten.files.count == files)
    }

    /// The page records are a log too: a rebuild adds the records of the outputs and pages
    /// that changed, and of those gone, after the last build's. What a build that did not
    /// finish added past the summary's end is not read, and the next build writes over it.
    @Test func thePageLogGrowsByTheRecordsThatChangedAndSkipsWhatAnUnfinishedBuildAdded() throws {
        let (site, path, state) = try builtSite(cacheFile: ".pages")
        defer { site.remove() }
        func loaded() throws -> BuildState {
            var loaded = try #require(BuildState.loadSummary(state))
            let read = loaded.loadPages(state, lock: nil)
            #expect(read)
            return loaded
        }
        let first = try FileSystem.readFile(path)
        let initial = try loaded()
        let edited = try answerQ7(site, "新的回答內容。")
        let second = try FileSystem.readFile(path)
        #expect(Array(second.prefix(first.count)) == first, "the log was written anew")
        #expect(second.count > first.count && second.count - first.count < 2_000)
        let grown = try loaded()
        #expect(grown.pageLogRecords > initial.pageLogRecords && grown.pageLogRecords < initial.pageLogRecords + 20)
        #expect(grown.outputs.count == initial.outputs.count && grown.markdown.count == initial.markdown.count)

        // A build killed after adding to the log leaves bytes past the summary's end.
        try FileSystem.append(path, Array(repeating: 0xFF, count: 100))
        let again = try answerQ7(site, "再改一次的回答。")
        #expect(again.pagesRendered == edited.pagesRendered, "the page records were not read")
        #expect(try FileSystem.readFile(path).count == loaded().pageStores?.logEnd, "what the unfinished build added is still there")
        FileSystem.removeTree(site.root + "/content/faq/loans/q3.md")
        _ = try incremental(site)
        try expectSameAsCold(site, "a page removed")
        let shrunk = try loaded()
        let removed = BuildState.pageID(prefix: "", urlPath: "faq/loans/q3/")
        #expect(initial.markdown[removed] != nil && shrunk.markdown[removed] == nil)
        #expect(shrunk.markdown.count == initial.markdown.count - 1)
    }

    /// The search memories are a log as well: a rebuild adds what it changed in them, and the
    /// memories are written whole again once the changes add up. What a build that did not
    /// finish added is not read, and the next build writes over it.
    @Test func theSearchMemoryLogGrowsByEachBuildsChangesAndSkipsWhatAnUnfinishedBuildAdded() throws {
        let site = try incrementalSite()
        defer { site.remove() }
        // Enough terms that one page's changes are a small part of the memories.
        for number in 1...150 {
            let words = (0..<8).map { "unit\(number)x\($0)" }.joined(separator: " ")
            try site.write("content/faq/units/u\(number).md", TestSite.page("物業\(number)號", "說明 \(words)。"))
        }
        _ = try incremental(site)
        let builds = site.root + "/.deskbook-cache/builds"
        let path = builds + "/" + (try #require(try FileSystem.listDirectory(builds).first { $0.name.hasSuffix(".search") })).name
        let whole = try FileSystem.readFile(path)
        _ = try answerQ7(site, "新的回答內容，談到首付比例。")
        let second = try FileSystem.readFile(path)
        let appended = second.prefix(whole.count).elementsEqual(whole)
        #expect(appended, "the memories were written whole again")
        #expect(second.count > whole.count && second.count - whole.count < whole.count / 10,
                "\(second.count - whole.count) bytes added to \(whole.count)")
        try expectSameAsCold(site, "the search memories' changes added")

        // A build killed after adding its record leaves bytes the summary does not know.
        try FileSystem.append(path, Array(repeating: 0xFF, count: 100))
        _ = try answerQ7(site, "再改一次的回答，談到寬限期。")
        let third = try FileSystem.readFile(path)
        let appendedAgain = third.prefix(second.count).elementsEqual(second)
        #expect(appendedAgain, "the memories were written whole again")
        #expect(third.count > second.count && !third[second.count...].prefix(100).allSatisfy { $0 == 0xFF },
                "the unfinished build's bytes were kept")
        try expectSameAsCold(site, "a record left by an unfinished build")

        // Changes that add up to a quarter of the whole memories have them written whole.
        var rewritten = false
        for round in 1...40 where !rewritten {
            let before = try FileSystem.readFile(path).count
            _ = try answerQ7(site, "第\(round)次修改的回答，談到交屋驗收與車位 spot\(round)。")
            rewritten = try FileSystem.readFile(path).count < before
        }
        #expect(rewritten, "the log was never written anew")
        try expectSameAsCold(site, "the search memories written whole again")
    }
}
