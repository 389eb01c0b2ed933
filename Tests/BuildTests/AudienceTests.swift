import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

/// A marker that appears only in managers' pages: in a title, a summary, a tag, the text,
/// a data table and its CSV, a course material's name and contents.
let managersMarker = "機密預算XQ7"

func audienceSite() throws -> TestSite {
    try dataSite([
        "content/faq/_index.md": TestSite.page("常見問題"),
        "content/faq/deposit.md": TestSite.page("訂金可以退嗎？", "依合約辦理。預算請見[年度預算](../budget/plan.md)，圖示 ![圖](../budget/chart.png)。",
                                                extra: "date: 2026-05-01\ntags: [訂金]\nreply: 依合約。"),
        "content/budget/_index.md": TestSite.page("預算", extra: "audience: managers"),
        "content/budget/plan.md": TestSite.page("年度\(managersMarker)", "內文\(managersMarker)。\n\n" + boardQuery + "\n\n```table\ndata: board\ncolumns: [name, amount]\n```\n",
                                                extra: "date: 2026-06-01\nsummary: 摘要\(managersMarker)\ntags: [\(managersMarker), 訂金]\nparams: {month: \"2026-11\"}"),
        "content/budget/chart.png": "PNG\(managersMarker)",
        "content/training/_index.md": TestSite.page("教育訓練"),
        "content/training/leaders/index.md": TestSite.page("主管課程\(managersMarker)", "見[講義](notes.txt)。", extra: "audience: [managers]\ndate: 2026-07-01"),
        "content/training/leaders/notes.txt": "講義\(managersMarker)",
        "content/training/basics.md": TestSite.page("新人課程", "基礎。", extra: "date: 2026-07-02"),
    ], config: "audiences: [staff, managers]\n")
}

@Suite struct AudienceTests {
    @Test func aManagersPageLeavesNoTraceInTheStaffSite() throws {
        let site = try audienceSite()
        defer { site.remove() }
        _ = try buildData(site)
        let staff = TestSite.contents(under: site.output + "/staff")
        #expect(staff.count > 10)
        let markerBytes = Array(managersMarker.utf8)
        let leaks = staff.filter { _, bytes in bytes.count >= markerBytes.count && bytes.indices.dropLast(markerBytes.count - 1).contains {
            bytes[$0..<$0 + markerBytes.count].elementsEqual(markerBytes)
        } }.keys.sorted()
        #expect(leaks.isEmpty, "the staff site holds the managers' marker in \(leaks)")
        // Nor the managers pages' addresses or file names, nor their section in the navigation.
        for (path, bytes) in staff {
            let text = String(decoding: bytes, as: UTF8.self)
            for trace in ["budget", "leaders", "notes.txt", "chart.png", "預算</a>"] {
                #expect(!text.contains(trace) && !path.contains(trace), "\(trace) in staff/\(path)")
            }
        }
        // The staff FAQ keeps the link's text without the link.
        let faq = try #require(site.read("staff/faq/deposit/index.html"))
        #expect(faq.contains("預算請見年度預算，圖示"))
        // Staff still see everything meant for everyone.
        #expect(site.exists("staff/training/basics/index.html") && site.exists("staff/search/meta.json"))
    }

    @Test func managersSeeTheirPagesEverywhereTheyBelong() throws {
        let site = try audienceSite()
        defer { site.remove() }
        _ = try buildData(site)
        let plan = try #require(site.read("managers/budget/plan/index.html"))
        #expect(plan.contains("年度\(managersMarker)"))
        // Links inside the managers' site carry its path.
        #expect(try #require(site.read("managers/faq/deposit/index.html")).contains("href=\"/managers/budget/plan/\""))
        #expect(try #require(site.read("managers/index.html")).contains("預算"))
        #expect(site.read("managers/training/leaders/notes.txt") == "講義\(managersMarker)")
        #expect(try #require(site.read("managers/sitemap.xml")).contains("/managers/budget/plan/"))
        let search = TestSite.contents(under: site.output + "/managers/search").values.map { String(decoding: $0, as: UTF8.self) }
        #expect(search.contains { $0.contains(managersMarker) })
        // The build report stays outside both sites.
        #expect(site.exists("_build.json") && !site.exists("staff/_build.json"))
    }

    @Test func incrementalBuildsOfAudienceSitesMatchColdBuilds() throws {
        let site = try audienceSite()
        defer { site.remove() }
        _ = try buildData(site)
        try site.write("content/budget/plan.md", TestSite.page("年度預算二版", "新內文。", extra: "date: 2026-06-02\ntags: [訂金]"))
        let report = try buildData(site)
        #expect(report.pagesRendered < 20)
        try expectSameAsCold(site, "a managers' page retitled")
        // An edit below the front matter: each audience's lists and sitemap come from the last build.
        try site.write("content/faq/deposit.md", TestSite.page("訂金可以退嗎？", "依合約辦理，另有說明。",
                                                               extra: "date: 2026-05-01\ntags: [訂金]\nreply: 依合約。"))
        let edited = try buildData(site)
        #expect(edited.pagesRendered == 2, "the entry in each audience's site: \(edited.pagesRendered)")
        try expectSameAsCold(site, "an entry's text edited")
    }

    @Test(arguments: [
        ("content/x.md", TestSite.page("X", extra: "audience: interns"), "content/x.md:3:11: error: unknown audience 'interns'; deskbook.yaml lists: staff, managers"),
        ("content/budget/open.md", TestSite.page("公開", extra: "audience: [staff, managers]"),
         "content/budget/open.md:3:11: error: audience 'staff' cannot see the section this page is in"),
    ])
    func audienceMistakesAreErrorsAtTheirLine(path: String, text: String, expected: String) throws {
        let site = try audienceSite()
        defer { site.remove() }
        try site.write(path, text)
        expectBuildError(site, expected)
    }

    @Test func audienceWithoutConfiguredAudiencesIsAnError() throws {
        let site = try dataSite(["content/x.md": TestSite.page("X", extra: "audience: managers")])
        defer { site.remove() }
        expectBuildError(site, "content/x.md:3:11: error: audience: is set but deskbook.yaml lists no audiences")
    }

    @Test func anAudienceNameMustBeAFolderName() throws {
        let site = try dataSite([:], config: "audiences: [Staff Team]\n")
        defer { site.remove() }
        expectBuildError(site, "audience name 'Staff Team' must be lower-case letters, digits, '-' or '_'")
    }
}
