import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

/// A small office site: a home page, an FAQ section with a category, a policy, tags.
func officeSite(_ extra: [String: String] = [:]) throws -> TestSite {
    var files = [
        "deskbook.yaml": "title: 測試內網\nlanguage: zh-Hant\n",
        "content/_index.md": TestSite.page("首頁", "歡迎使用內網。"),
        "content/faq/_index.md": TestSite.page("常見問題", extra: "weight: 1"),
        "content/faq/loans/_index.md": TestSite.page("貸款"),
        "content/faq/loans/provident-fund.md": TestSite.page("公積金可以用嗎？", "可以，見 [利率](rate.md)。",
                                                             extra: "date: 2026-03-14\ntags: [貸款, 首購]\nreply: 可以使用。"),
        "content/faq/loans/rate.md": TestSite.page("利率怎麼算？", "## 固定利率\n\n說明\n\n## 機動利率\n\n說明\n\n## 寬限期\n\n說明",
                                                  extra: "date: 2026-05-01\ntags: [貸款]"),
        "content/policies/_index.md": TestSite.page("管理制度", extra: "weight: 2"),
        "content/policies/privacy.md": TestSite.page("客戶個資保護", "內容",
                                                    extra: "date: 2026-01-02\neffective: 2026-01-15\nversion: \"2.0\"\nowner: 客服部\nhistory:\n  - {version: \"2.0\", date: 2026-01-15, note: 改版}"),
    ]
    for (path, text) in extra { files[path] = text }
    return try TestSite(files)
}

func build(_ site: TestSite, strict: Bool = false) throws(DiagnosticsError) -> BuildReport {
    var options = BuildOptions(siteDirectory: site.root)
    options.strict = strict
    return try SiteBuilder.build(options)
}

@Suite struct BuildTests {
    @Test func buildsEveryPageWithNavigationBreadcrumbsAndFooter() throws {
        let site = try officeSite()
        defer { site.remove() }
        let report = try build(site)
        #expect(report.pageCount == 7)
        let page = try #require(site.read("faq/loans/provident-fund/index.html"))
        #expect(page.contains("<title>公積金可以用嗎？ · 測試內網</title>"))
        #expect(page.contains("<a href=\"/faq/\" aria-current=\"true\">常見問題</a>"))
        #expect(page.contains("<li><a href=\"/faq/loans/\">貸款</a></li><li aria-current=\"page\">公積金可以用嗎？</li>"))
        #expect(page.contains("href=\"/faq/loans/rate/\">利率</a>"))
        #expect(page.contains("<time datetime=\"2026-03-14\">2026年3月14日</time>"))
        #expect(page.contains("id=\"reply-text\">可以使用。</p>"))
        #expect(page.contains("class=\"site-footer\""))
        for path in ["index.html", "faq/index.html", "faq/loans/index.html", "policies/privacy/index.html",
                     "tags/index.html", "404.html", "sitemap.xml", "feed.xml"] {
            #expect(site.exists(path), "missing \(path)")
        }
        let section = try #require(site.read("faq/loans/index.html"))
        #expect(section.contains("利率怎麼算？") && section.contains("公積金可以用嗎？"))
    }

    @Test func longPagesGetATableOfContents() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let rate = try #require(site.read("faq/loans/rate/index.html"))
        #expect(rate.contains("class=\"toc\""))
        #expect(rate.contains("<a href=\"#固定利率\">固定利率</a>"))
        #expect(try #require(site.read("faq/loans/provident-fund/index.html")).contains("class=\"toc\"") == false)
    }

    @Test func policiesShowTheirFactsAndHistory() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let policy = try #require(site.read("policies/privacy/index.html"))
        #expect(policy.contains("<dt>權責單位</dt><dd>客服部</dd>"))
        #expect(policy.contains("<dt>生效日期</dt><dd>2026年1月15日</dd>"))
        #expect(policy.contains("<td>2.0</td><td>2026年1月15日</td><td>改版</td>"))
    }

    @Test func tagPagesListTheirPages() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let tag = try #require(site.read("tags/貸款/index.html"))
        #expect(tag.contains("公積金可以用嗎？") && tag.contains("利率怎麼算？"))
        #expect(try #require(site.read("tags/index.html")).contains("href=\"/tags/%E8%B2%B8%E6%AC%BE/\""))
    }

    @Test func sitemapAndFeedListPagesWithAbsoluteURLs() throws {
        let site = try officeSite(["deskbook.yaml": "title: 測試內網\nbase_url: http://intranet/site-a/\n"])
        defer { site.remove() }
        _ = try build(site)
        let sitemap = try #require(site.read("sitemap.xml"))
        #expect(sitemap.contains("<loc>http://intranet/site-a/faq/loans/rate/</loc><lastmod>2026-05-01</lastmod>"))
        let feed = try #require(site.read("feed.xml"))
        #expect(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""))
        #expect(feed.contains("<link href=\"http://intranet/site-a/faq/loans/rate/\"/>"))
        // Newest first.
        let rate = try #require(feed.range(of: "利率怎麼算？"))
        let fund = try #require(feed.range(of: "公積金可以用嗎？"))
        #expect(rate.lowerBound < fund.lowerBound)
    }

    @Test func everyURLRespectsASubPathBaseURL() throws {
        let site = try officeSite(["deskbook.yaml": "title: 測試內網\nbase_url: http://intranet/site-a/\n",
                                   "content/about.md": TestSite.page("關於", "[首頁](/) [制度](/policies/)")])
        defer { site.remove() }
        _ = try build(site)
        for file in site.outputFiles() where file.hasSuffix(".html") {
            let html = try #require(site.read(file))
            var rest = Substring(html)
            while let range = rest.range(of: "href=\"") ?? rest.range(of: "src=\"") {
                rest = rest[range.upperBound...]
                let url = rest.prefix { $0 != "\"" }
                if url.hasPrefix("#") || url.hasPrefix("http://intranet/site-a/") { continue }
                #expect(url.hasPrefix("/site-a/"), "\(file) links to \(url)")
            }
        }
        #expect(try #require(site.read("about/index.html")).contains("href=\"/site-a/policies/\""))
    }

    @Test func aFolderOfMarkdownBuildsWithTheBuiltInTheme() throws {
        let site = try TestSite(["content/hello.md": "# 你好\n\n沒有設定檔也可以建置。\n"])
        defer { site.remove() }
        _ = try build(site)
        let page = try #require(site.read("hello/index.html"))
        #expect(page.contains("沒有設定檔也可以建置。"))
        #expect(page.contains("<html lang=\"zh-Hant\">"))
        let css = try #require(site.outputFiles().first { $0.hasPrefix("assets/style.") && $0.hasSuffix(".css") })
        #expect(page.contains("href=\"/\(css)\""))
        #expect(site.exists("index.html"))
    }

    @Test func aSiteTemplateOverridesTheDefault() throws {
        let site = try officeSite(["themes/default/templates/page.mustache": "<main>自訂：{{page.title}}</main>"])
        defer { site.remove() }
        _ = try build(site)
        #expect(site.read("faq/loans/rate/index.html") == "<main>自訂：利率怎麼算？</main>")
        #expect(try #require(site.read("faq/index.html")).contains("<!DOCTYPE html>"))
    }

    @Test func nothingLoadsFromOutsideTheSite() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        for file in site.outputFiles() where file.hasSuffix(".html") || file.hasSuffix(".css") {
            let text = try #require(site.read(file))
            #expect(!text.contains("src=\"http"), "\(file) loads a remote script or image")
            #expect(!text.contains("@import"), "\(file) imports remote CSS")
            #expect(!text.contains("fonts.googleapis") && !text.contains("cdn"), "\(file) uses a CDN")
        }
    }
}

@Suite struct BuildFailureTests {
    /// Builds a good site, then breaks it, and checks that the failed build changed nothing.
    func expectFailureLeavesOutputUntouched(_ broken: [String: String], message: String) throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let before = site.outputFiles().map { ($0, site.read($0)) }
        for (path, text) in broken { try site.write(path, text) }
        do {
            _ = try build(site)
            Issue.record("expected the build to fail")
        } catch {
            let lines = error.diagnostics.errors.map(\.description)
            #expect(lines.contains { $0.contains(message) }, "got \(lines)")
        }
        let after = site.outputFiles().map { ($0, site.read($0)) }
        #expect(before.map(\.0) == after.map(\.0))
        #expect(before.map(\.1) == after.map(\.1))
    }

    @Test func invalidFrontMatterFailsWithFileAndLine() throws {
        try expectFailureLeavesOutputUntouched(["content/faq/loans/bad.md": "---\ntitle: x\ndate: next tuesday\n---\n"],
                                               message: "content/faq/loans/bad.md:3:7: error: date: expected a date")
    }

    @Test func brokenYAMLFailsWithFileAndLine() throws {
        try expectFailureLeavesOutputUntouched(["content/faq/loans/bad.md": "---\ntitle: \"unclosed\nsummary: x\n---\n"],
                                               message: "content/faq/loans/bad.md:")
    }

    @Test func duplicateSlugsFailNamingBothFiles() throws {
        try expectFailureLeavesOutputUntouched(
            ["content/faq/loans/copy.md": TestSite.page("複製", extra: "slug: rate")],
            message: "error: duplicate URL /faq/loans/rate/: content/faq/loans/")
    }

    @Test func anUnknownTemplateFails() throws {
        try expectFailureLeavesOutputUntouched(
            ["content/faq/loans/odd.md": TestSite.page("怪", extra: "template: fancy")],
            message: "content/faq/loans/odd.md:3:11: error: unknown template 'fancy'")
    }

    @Test func brokenLinksWarnButStillPublish() throws {
        let site = try officeSite(["content/faq/loans/typo.md": TestSite.page("錯字", "見 [說明](no-such-page.md)")])
        defer { site.remove() }
        let report = try build(site)
        #expect(report.warnings.map(\.description) == [
            "content/faq/loans/typo.md:5:5: warning: broken link 'no-such-page.md': no page content/faq/loans/no-such-page.md",
        ])
        #expect(site.exists("faq/loans/typo/index.html"))
    }

    @Test func strictBuildsFailOnBrokenLinksAndWriteNothing() throws {
        let site = try officeSite(["content/faq/loans/typo.md": TestSite.page("錯字", "![圖](missing.png)")])
        defer { site.remove() }
        do {
            _ = try build(site, strict: true)
            Issue.record("expected failure")
        } catch {
            #expect(error.diagnostics.first?.description == "content/faq/loans/typo.md:5:1: error: broken image 'missing.png': no file content/faq/loans/missing.png")
        }
        #expect(site.outputFiles().isEmpty)
    }
}

@Suite struct OutputTests {
    @Test func unchangedFilesAreNotRewritten() throws {
        let site = try officeSite()
        defer { site.remove() }
        let first = try build(site)
        #expect(first.filesWritten > 0)
        let path = site.output + "/faq/loans/rate/index.html"
        let before = try #require(FileSystem.modificationTime(path))
        usleep(20_000)
        try site.write("content/policies/privacy.md", TestSite.page("客戶個資保護", "新內容"))
        let second = try build(site)
        #expect(second.filesWritten >= 1 && second.filesWritten < first.filesWritten)
        #expect(second.filesUnchanged > 0)
        #expect(FileSystem.modificationTime(path) == before)
    }

    @Test func onlyChangedPagesAreWrittenAndRemovedPagesDisappear() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        try site.write("content/policies/privacy.md", TestSite.page("客戶個資保護", "新內容"))
        FileSystem.removeTree(site.root + "/content/faq/loans/rate.md")
        let report = try build(site)
        #expect(report.filesRemoved >= 1)
        #expect(!site.exists("faq/loans/rate/index.html"))
        #expect(try #require(site.read("policies/privacy/index.html")).contains("新內容"))
    }

    @Test func aFolderDeskbookDidNotMakeIsNotReplaced() throws {
        let site = try officeSite()
        defer { site.remove() }
        try site.write("public/robots.txt", "User-agent: *\n")
        #expect(throws: DiagnosticsError.self) { try build(site) }
        #expect(site.read("robots.txt") == "User-agent: *\n")
    }

    @Test func theOutputIsALinkToACompleteReleaseAndRollbackSwitchesBack() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let first = try #require(FileSystem.symlinkTarget(site.output))
        #expect(first.hasPrefix("public.releases/"))
        #expect(site.exists("_build.json") && site.exists(".deskbook-manifest"))
        let status = try #require(site.read("admin/status/index.html"))
        #expect(status.contains("<h1>建置狀態</h1>") && status.contains("<dt>頁數</dt><dd>7</dd>"))
        #expect(!status.contains(".incomplete"))
        try site.write("content/policies/privacy.md", TestSite.page("客戶個資保護", "第二版"))
        _ = try build(site)
        #expect(FileSystem.symlinkTarget(site.output) != first)
        #expect(try #require(site.read("policies/privacy/index.html")).contains("第二版"))
        let history = ReleaseHistory(output: site.output)
        #expect(history.names.count == 2)
        _ = try history.rollBack()
        #expect(FileSystem.symlinkTarget(site.output) == first)
        #expect(try #require(site.read("policies/privacy/index.html")).contains("內容"))
        // Only the last few releases are kept.
        for round in 0..<4 {
            try site.write("content/policies/privacy.md", TestSite.page("客戶個資保護", "第\(round)版"))
            _ = try build(site)
        }
        #expect(history.names.count <= 4)
    }

    @Test func aFailedBuildLeavesNoHalfBuiltRelease() throws {
        let site = try officeSite()
        defer { site.remove() }
        _ = try build(site)
        let live = FileSystem.symlinkTarget(site.output)
        try site.write("content/faq/bad.md", "---\ndate: next tuesday\n---\n")
        #expect(throws: DiagnosticsError.self) { try build(site) }
        #expect(FileSystem.symlinkTarget(site.output) == live)
        #expect(Releases(output: site.output).incomplete.isEmpty)
    }

    @Test func aSecondBuildOfTheSameOutputStopsWithAClearMessage() throws {
        let site = try officeSite()
        defer { site.remove() }
        let lock = try BuildLock(releases: Releases(output: site.output), wait: false)
        do {
            _ = try build(site)
            Issue.record("expected the second build to stop")
        } catch {
            #expect(error.diagnostics.first?.message.contains("another build of") == true)
        }
        withExtendedLifetime(lock) {}
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PagerTests {
    /// A list of thousands of pages links the first, the last and the pages near the current
    /// one, marking where numbers are left out.
    @Test func longListsLinkAWindowOfPages() throws {
        let pager = Pager(listPath: "faq/", itemCount: 59_736, pageSize: 50)
        #expect(pager.pageCount == 1_195)
        let values = try #require(pager.context(600, url: { "/" + $0 }, strings: [:]))
        let pages = try #require(values["pages"]?.asList?.compactMap { $0.asMap })
        #expect(pages.map { $0["number"] } == [1, 598, 599, 600, 601, 602, 1_195])
        #expect(pages.map { $0["gapBefore"] } == [false, true, false, false, false, false, true])
        #expect(pages[3]["current"] == true)
        #expect(pages[6]["url"] == "/faq/page/1195/")
        #expect(values["previousURL"] == "/faq/page/599/")
        let first = try #require(pager.context(1, url: { "/" + $0 }, strings: [:])?["pages"]?.asList?.compactMap { $0.asMap })
        #expect(first.map { $0["number"] } == [1, 2, 3, 1_195])
        #expect(first.first?["url"] == "/faq/")
    }
}
