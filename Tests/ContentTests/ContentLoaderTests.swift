import DeskbookSupport
import DeskbookTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Content

@Suite struct ContentLoaderTests {
    @Test func placesPagesSectionsAndBundlesAtPrettyURLs() throws {
        let site = try TestSite([
            "content/_index.md": TestSite.page("首頁"),
            "content/faq/_index.md": TestSite.page("常見問題"),
            "content/faq/loans/_index.md": TestSite.page("貸款"),
            "content/faq/loans/provident-fund.md": TestSite.page("公積金"),
            "content/faq/loans/rate.md": TestSite.page("利率", extra: "slug: interest-rate"),
            "content/training/c1/index.md": TestSite.page("課程"),
            "content/training/c1/checklist.txt": "清單",
            "content/faq/loans/draft.md": TestSite.page("草稿", extra: "draft: true"),
        ])
        defer { site.remove() }
        let (content, problems) = try ContentLoader.load(siteDirectory: site.root)
        #expect(problems.isEmpty)
        let urls = Dictionary(uniqueKeysWithValues: content.pages.map { ($0.sourcePath, $0.urlPath) })
        #expect(urls["_index.md"] == "")
        #expect(urls["faq/_index.md"] == "faq/")
        #expect(urls["faq/loans/provident-fund.md"] == "faq/loans/provident-fund/")
        #expect(urls["faq/loans/rate.md"] == "faq/loans/interest-rate/")
        #expect(urls["training/c1/index.md"] == "training/c1/")
        #expect(urls["faq/loans/draft.md"] == nil)
        #expect(content.staticFiles.map(\.output) == ["training/c1/checklist.txt"])
        let fund = try #require(content.pages.first { $0.sourcePath == "faq/loans/provident-fund.md" })
        #expect(fund.sectionPath == "faq/loans")
    }

    /// What the last build found in a file serves while the file's status is the same: the
    /// file is not read again. A file written since, or a new one, is read.
    @Test func aFileWithTheSameStatusIsNotReadAgain() throws {
        let site = try TestSite([
            "content/faq/a.md": TestSite.page("甲", "內容"),
            "content/faq/b.md": TestSite.page("乙", "內容", extra: "tags: [貸款]"),
        ])
        defer { site.remove() }
        let (first, _) = try ContentLoader.load(siteDirectory: site.root)
        #expect(Set(first.loadedFiles.keys) == [LoadedFile.key("faq/a.md"), LoadedFile.key("faq/b.md")])
        // A record that says something else about the same status shows it is what was used.
        var record = try #require(first.loadedFiles[LoadedFile.key("faq/a.md")]?.loaded())
        record.frontMatter.title = "從記錄來的標題"
        var known = first.loadedFiles
        known[LoadedFile.key("faq/a.md")] = LoadedFile.Stored(record)
        let (second, problems) = try ContentLoader.load(siteDirectory: site.root, known: known)
        #expect(problems.isEmpty)
        #expect(second.pages.first { $0.sourcePath == "faq/a.md" }?.title == "從記錄來的標題")
        #expect(second.pages.first { $0.sourcePath == "faq/b.md" }?.frontMatter.tags == ["貸款"])
        try site.write("content/faq/a.md", TestSite.page("改過的甲", "新的內容"))
        try site.write("content/faq/c.md", TestSite.page("丙"))
        let (third, _) = try ContentLoader.load(siteDirectory: site.root, known: known)
        let edited = try #require(third.pages.first { $0.sourcePath == "faq/a.md" })
        #expect(edited.title == "改過的甲")
        #expect(try edited.loadingBody().body.contains("新的內容"))
        #expect(third.pages.contains { $0.sourcePath == "faq/c.md" && $0.title == "丙" })
        // Records read back as they were written.
        let stored = try #require(third.loadedFiles[LoadedFile.key("faq/a.md")])
        var out = ByteWriter()
        stored.encode(into: &out)
        let read = try #require(LoadedFile.Stored(SharedBytes(out.bytes), range: 8..<out.bytes.count)?.loaded())
        #expect(read.frontMatter.title == "改過的甲" && read.status == stored.status && read.sourceHash == edited.sourceHash)
    }

    /// Front matter of every kind of value comes back from the build cache as it was parsed.
    @Test func frontMatterReadsBackFromTheCacheAsParsed() throws {
        let site = try TestSite(["content/policies/leave.md": """
            ---
            title: "請假規定"
            date: 2026-03-14T09:30:00+08:00
            lastmod: 2026-04-01
            summary: 年假與病假
            tags: [人事, 假期]
            weight: 3
            draft: false
            slug: leave
            audience: [staff]
            template: page
            toc: true
            params: {owner: 人事部, pages: [1, 2]}
            history:
              - {version: "1.1", date: 2026-04-01, note: 改年假天數}
            privacy: {allow: [{column: phone, reason: 回撥專員需撥號}]}
            ---
            本文。
            """])
        defer { site.remove() }
        let (content, problems) = try ContentLoader.load(siteDirectory: site.root)
        #expect(problems.isEmpty)
        let loaded = try #require(content.loadedFiles[LoadedFile.key("policies/leave.md")]?.loaded())
        var out = ByteWriter()
        loaded.encode(into: &out)
        var input = ByteReader(out.bytes)
        let read = try #require(LoadedFile.decode(&input))
        #expect(input.isAtEnd)
        let matter = read.frontMatter
        #expect(matter.title == "請假規定" && matter.summary == "年假與病假" && matter.slug == "leave" && matter.template == "page")
        #expect(matter.date?.rfc3339 == "2026-03-14T09:30:00+08:00" && matter.lastmod?.isoDay == "2026-04-01")
        #expect(matter.tags == ["人事", "假期"] && matter.audience == ["staff"] && matter.weight == 3 && !matter.draft && matter.toc == true)
        #expect(matter.privacyAllow == loaded.frontMatter.privacyAllow && matter.privacyAllow.first?.reason == "回撥專員需撥號")
        #expect(matter.fields.map(\.key) == loaded.frontMatter.fields.map(\.key))
        #expect(matter["params"]?["pages"]?.sequence?.map(\.scalar) == ["1", "2"])
        #expect(matter["history"]?.sequence?.first?["date"]?.line == 15)
        #expect(read.frontMatterHash == loaded.frontMatterHash)
        var again = ByteWriter()
        read.encode(into: &again)
        #expect(again.bytes == out.bytes)
        // The build cache keeps the record as a blob of the same bytes, written in place.
        var stored = ByteWriter(), expected = ByteWriter()
        try #require(content.loadedFiles[LoadedFile.key("policies/leave.md")]).encode(into: &stored)
        expected.blob(out.bytes)
        #expect(stored.bytes == expected.bytes)
        var damaged = ByteReader(Array(out.bytes.prefix(out.bytes.count / 2)))
        #expect(LoadedFile.decode(&damaged) == nil)
    }

    /// A page saved on Windows (CR LF line ends) loads like any other.
    @Test func aPageWithWindowsLineEndsLoads() throws {
        let site = try TestSite(["content/faq/crlf.md": "---\r\ntitle: 換約流程\r\n---\r\n先確認合約。\r\n"])
        defer { site.remove() }
        let (content, problems) = try ContentLoader.load(siteDirectory: site.root)
        #expect(problems.isEmpty)
        let page = try #require(content.pages.first { $0.sourcePath == "faq/crlf.md" })
        #expect(page.title == "換約流程")
        #expect(try page.loadingBody().body == "先確認合約。\r\n")
        #expect(page.bodyLineOffset == 3)
    }

    /// In a site larger than loading holds (`heldBytes`), bodies stay in their files until a
    /// page renders; a file changed in between is an error naming it, not a page rendered from
    /// text the build never checked.
    @Test func aBodyIsReadBackWhenThePageRendersAndMustBeUnchanged() throws {
        let site = try TestSite(["content/faq/a.md": "\u{FEFF}" + TestSite.page("甲", "第一段 ```sql\n\n正文。\n", extra: "tags: [x]")])
        defer { site.remove() }
        let (content, _) = try ContentLoader.load(siteDirectory: site.root, heldBytes: 0)
        let page = try #require(content.pages.first { $0.sourcePath == "faq/a.md" })
        #expect(page.body.isEmpty)
        #expect(page.mayHoldDataBlocks)
        var course = page
        course.append("\n## 場次\n")
        let loaded = try course.loadingBody()
        #expect(loaded.body == "\n第一段 ```sql\n\n正文。\n\n\n## 場次\n")
        try site.write("content/faq/a.md", TestSite.page("甲", "改過了"))
        #expect(throws: Diagnostic.error("content/faq/a.md", "changed while the site was being built; build again")) {
            try page.loadingBody()
        }
    }

    /// A site within `heldBytes` keeps each file as loading read it: the page renders from those
    /// bytes (the file is not read again, so an edit made meanwhile waits for the next build),
    /// once; asked again, the page reads its file, and finds it changed.
    @Test func aSmallSitesPagesRenderFromTheBytesLoadingRead() throws {
        let site = try TestSite(["content/faq/a.md": TestSite.page("甲", "第一段。\n")])
        defer { site.remove() }
        let (content, _) = try ContentLoader.load(siteDirectory: site.root)
        let page = try #require(content.pages.first { $0.sourcePath == "faq/a.md" })
        try site.write("content/faq/a.md", TestSite.page("甲", "改過了。\n"))
        #expect(String(decoding: try page.markdownBytes(), as: UTF8.self) == "\n第一段。\n\n")
        #expect(throws: Diagnostic.error("content/faq/a.md", "changed while the site was being built; build again")) {
            try page.markdownBytes()
        }
    }

    /// The scan that spares most pages the data hooks finds every `{{` and every fence of a
    /// data block (`sql`, `chart`, `table`, `kpi`), wherever it stands among other braces,
    /// backticks and tildes, and no fence of another kind.
    @Test func aPageMayHoldDataBlocksWhenItHasAValueOrADataFence() {
        let holding = [
            "{{ kpi.total }}", "文字{{x}}", "a{b{{c", "```sql\nselect 1\n```", "~~~chart\n~~~", "```` table", "``` ```kpi",
            "`a` ``b`` ```sql", "~~刪~~ ~~~   kpi", "```text{{x}}", "~~~{{a}}", String(repeating: "甲{`~", count: 40) + "{{",
        ]
        let plain = [
            "", "{ }", "{x}{", "``` text\n```", "~~~sqlite", "```python", "`` sql", "~~ chart", "```Sql", "按揭 {} `code` ~x~",
            String(repeating: "甲{`~", count: 40), "```", "``", "{",
        ]
        for text in holding { #expect(Page.mayHoldDataBlocks(text), "\(text.debugDescription)") }
        for text in plain { #expect(!Page.mayHoldDataBlocks(text), "\(text.debugDescription)") }
    }

    @Test func duplicateSlugsNameBothFiles() throws {
        let site = try TestSite([
            "content/faq/a.md": TestSite.page("A", extra: "slug: same"),
            "content/faq/b.md": TestSite.page("B", extra: "slug: same"),
        ])
        defer { site.remove() }
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ContentLoader.load(siteDirectory: site.root) })
        let line = try #require(problems.first).description
        #expect(line.hasPrefix("content/faq/b.md:3:7: error: duplicate URL /faq/same/"))
        #expect(line.contains("content/faq/a.md"))
    }

    /// Two spellings of one text (composed and decomposed) are one URL, as they are to the
    /// rest of the build; URLs in ASCII are told apart by their bytes.
    @Test func slugsSpelledTwoWaysAreOneURL() throws {
        let site = try TestSite([
            "content/faq/a.md": TestSite.page("A", extra: "slug: caf\u{E9}"),
            "content/faq/b.md": TestSite.page("B", extra: "slug: cafe\u{301}"),
            "content/faq/c.md": TestSite.page("C", extra: "slug: cafe"),
            "content/faq/d.md": TestSite.page("D", extra: "slug: cafes"),
        ])
        defer { site.remove() }
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ContentLoader.load(siteDirectory: site.root) })
        #expect(problems.count == 1)
        let line = try #require(problems.first).description
        #expect(line.hasPrefix("content/faq/b.md:3:7: error: duplicate URL /faq/cafe\u{301}/"))
        #expect(line.contains("content/faq/a.md"))
    }

    /// Short ASCII names sort by their bytes as numbers; the others as `String` sorts them,
    /// so that a name typed decomposed sorts as its composed spelling.
    @Test func aFoldersEntriesComeInTheOrderTheirNamesSort() throws {
        let names = ["b.md", "a-rather-long-file-name-indeed.md", "a.md", "ab.md", "A.md", "\u{E9}.md", "e\u{301}x.md",
                     "a-rather-long-file-name.md", "z.md", "中文.md", "_index.md", "a b.md", "0123456789abcdef", "0123456789abcdeg",
                     "0123456789abcdefghijklmn", "0123456789abcdefghijklmo", "0123456789abcdefghijklmno"]
        let site = try TestSite(Dictionary(uniqueKeysWithValues: names.map { ("content/faq/\($0)", "x") }))
        defer { site.remove() }
        let listed = try #require(FileSystem.statuses(in: site.root + "/content/faq"))
        #expect(listed.map(\.name) == names.sorted())
    }

    @Test func everyBrokenFileIsReportedInOneRun() throws {
        let site = try TestSite([
            "content/a.md": "---\ntitle: [x\n---\n",
            "content/b.md": "---\ndate: next tuesday\n---\n",
        ])
        try site.write("content/c.md", bytes: [0x2D, 0x2D, 0xFF, 0xFE, 0x0A])
        defer { site.remove() }
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ContentLoader.load(siteDirectory: site.root) })
        let paths = problems.map(\.path)
        #expect(paths == ["content/a.md", "content/b.md", "content/c.md"])
        #expect(problems[2].message.contains("UTF-8"))
    }

    @Test func aSymlinkLeadingOutOfTheSiteIsRefused() throws {
        let site = try TestSite(["content/a.md": TestSite.page("A")])
        defer { site.remove() }
        #expect(symlink("/etc", site.root + "/content/escape") == 0)
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ContentLoader.load(siteDirectory: site.root) })
        #expect(problems.first?.description.contains("content/escape:1:1: error: symlink leads outside the content folder") == true)
    }

    @Test func aMissingContentFolderIsExplained() throws {
        let site = try TestSite(["deskbook.yaml": "title: x\n"])
        defer { site.remove() }
        #expect(throws: DiagnosticsError.self) { try ContentLoader.load(siteDirectory: site.root) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BadInputTests {
    @Test func aSymlinkLoopIsAnErrorNamingIt() throws {
        let site = try TestSite(["content/a.md": TestSite.page("A")])
        defer { site.remove() }
        #expect(symlink(".", site.root + "/content/loop") == 0)
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ContentLoader.load(siteDirectory: site.root) })
        #expect(problems.first?.description.hasPrefix("content/loop:1:1: error: symlink loop") == true)
    }

    @Test func aTwentyMegabytePageStillBuilds() throws {
        let paragraph = String(repeating: "客戶詢問貸款成數與寬限期，請依銀行核貸結果回覆。", count: 200) + "\n\n"
        let body = String(repeating: paragraph, count: 20 * 1024 * 1024 / paragraph.utf8.count + 1)
        let site = try TestSite(["content/huge.md": TestSite.page("很長的頁面", body)])
        defer { site.remove() }
        let (content, problems) = try ContentLoader.load(siteDirectory: site.root)
        #expect(problems.isEmpty)
        let page = try #require(content.pages.first { $0.sourcePath == "huge.md" }).loadingBody()
        #expect(page.body.utf8.count > 20 * 1024 * 1024)
        let links = LinkResolver(pages: content.pages, staticFiles: [], extraOutputs: [], basePath: "/")
        let html = MarkdownRenderer().render(page, links: links).html
        #expect(html.utf8.count > 20 * 1024 * 1024)
    }
}

/// A folder's entries come sorted by name, as `String` sorts them, whatever order the file
/// system lists them in: the fingerprint of the inputs and the order pages load in depend on it.
@Suite struct FolderListingTests {
    @Test func shortASCIINamesComeInTheOrderOfTheirBytes() throws {
        let names = ["faq-000010.md", "faq-000002.md", "B.md", "a.md", "a-b.md", "a.md.txt", "_index.md", "exactly-twenty-four-b.md", "9", "10"]
        let site = try TestSite(Dictionary(uniqueKeysWithValues: names.map { ("content/" + $0, "x") }))
        defer { site.remove() }
        let listed = try #require(FileSystem.statuses(in: site.root + "/content"))
        #expect(listed.map(\.name) == names.sorted())
        #expect(listed.allSatisfy { $0.status?.size == 1 && !$0.isDirectory })
    }

    @Test func treesAreListedFolderByFolderAsEachListsAlone() throws {
        // More entries than one run of lookups, nested folders, and a link back up the tree.
        var files = Dictionary(uniqueKeysWithValues: (0..<1_300).map { ("content/faq/q\($0).md", String(repeating: "x", count: $0 % 7)) })
        files["content/training/c1/index.md"] = "x"
        files["content/training/c1/slides.pdf"] = "pdf"
        files["themes/default/templates/page.mustache"] = "{{page.title}}"
        let site = try TestSite(files)
        defer { site.remove() }
        #expect(symlink("..", site.root + "/content/training/c1/up") == 0)
        let listings = FileSystem.statusesOfTrees([site.root + "/content", site.root + "/themes"])
        let folders = ["content", "content/faq", "content/training", "content/training/c1", "themes", "themes/default", "themes/default/templates"]
        // Each folder once, the one the link leads to included, and nothing else.
        #expect(listings.count == folders.count)
        for folder in folders {
            let path = site.root + "/" + folder
            let alone = try #require(FileSystem.statuses(in: path))
            let status = try #require(FileSystem.status(path))
            let listed = try #require(listings[FileSystem.FolderID(status)], "\(folder)")
            #expect(listed.map(\.name) == alone.map(\.name))
            #expect(listed.map(\.status) == alone.map(\.status))
            #expect(listed.map(\.isSymlink) == alone.map(\.isSymlink))
        }
        let faq = try #require(FileSystem.status(site.root + "/content/faq"))
        #expect(listings[FileSystem.FolderID(faq)]?.count == 1_300)
    }

    @Test func aLongOrChineseNameSortsTheFolderByText() throws {
        for odd in ["常見問題.md", "a-name-of-more-than-twenty-four-bytes.md"] {
            let names = ["b.md", odd, "a.md", "z.md", "A.md"]
            let site = try TestSite(Dictionary(uniqueKeysWithValues: names.map { ("content/" + $0, "x") }))
            defer { site.remove() }
            #expect(try #require(FileSystem.statuses(in: site.root + "/content")).map(\.name) == names.sorted())
        }
    }
}

/// Files the build cache makes in pieces (`FileSystem.writeAtomically(_:producing:)`), read back.
@Suite struct FilePiecesTests {
    @Test func aLargeColumnIsHandedOnWholeAndReadsBack() throws {
        let site = try TestSite(["content/_index.md": "x"])
        defer { site.remove() }
        let path = site.root + "/pieces"
        let small: [Int32] = [3, 1, 4, 1, 5]
        let large = (0..<5_000).map { UInt64($0) * 2_654_435_761 }
        var pieces: [Int] = []
        try FileSystem.writeAtomically(path) { write in
            let recording: FileSystem.Sink = { piece in
                pieces.append(piece.count)
                try write(piece)
            }
            var out = ByteWriter()
            out.text("首頁")
            try out.column(small, passingOnTo: recording)
            try out.column(large, passingOnTo: recording)
            out.word(42)
            try out.passOn(to: recording)
        }
        // The large column is one piece of its own, not copied into the writer; the small one
        // goes with the text, and what follows comes after it.
        #expect(pieces == [8 + 6 + 8 + 5 * 4 + 8, 5_000 * 8, 8])
        var input = ByteReader(try FileSystem.readFile(path))
        #expect(input.text() == "首頁")
        #expect(input.column(of: Int32.self) == small)
        #expect(input.column(of: UInt64.self) == large)
        #expect(input.word() == 42)
        #expect(input.isAtEnd)
    }
}
