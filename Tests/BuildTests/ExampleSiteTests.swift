import DeskbookSupport
import DeskbookTestSupport
import SampleData
import Testing
@testable import Build

/// End to end: the example site of this repository builds, checks clean, and its pages,
/// links and assets are real.
@Suite struct ExampleSiteTests {
    @Test func theExampleSiteBuildsCompleteAndConsistent() throws {
        let root = TestSite.repositoryRoot
        // The example dashboards read the generated snapshot; a fresh clone has none yet.
        if !FileSystem.exists(root + "/data/office.sqlite") { try SampleOffice().write(to: root + "/data/office.sqlite") }
        let output = try TestSite([:])
        defer { output.remove() }
        var options = BuildOptions(siteDirectory: root, outputDirectory: output.root + "/public")
        options.strict = true
        let report = try SiteBuilder.build(options)
        #expect(report.warnings.isEmpty)

        // Every Markdown page of content/ (drafts aside) has its page.
        let files = Set(output.outputFiles())
        #expect(report.pageCount >= 60)
        for section in ["faq/", "training/", "policies/"] {
            #expect(files.contains(section + "index.html"))
        }
        let faqEntries = files.filter { $0.hasPrefix("faq/") && $0.split(separator: "/").count == 4 }
        #expect(faqEntries.count >= 40)
        let courses = files.filter { $0.hasPrefix("training/") && $0.split(separator: "/").count == 3 }
        #expect(courses.count >= 6)
        #expect(!files.contains { $0.contains("draft") })

        // The navigation shows FAQ, training and policies.
        let home = try #require(output.read("index.html"))
        for title in ["常見問題", "教育訓練", "管理制度"] { #expect(home.contains(title)) }

        // Every internal href and src of every page points at a file that exists.
        for file in files where file.hasSuffix(".html") {
            let html = try #require(output.read(file))
            for attribute in ["href=\"/", "src=\"/"] {
                var rest = Substring(html)
                while let range = rest.range(of: attribute) {
                    rest = rest[range.upperBound...]
                    var target = String(rest.prefix { $0 != "\"" && $0 != "#" && $0 != "?" })
                    target = Escape.percentDecoded(target)
                    if target.isEmpty || target.hasSuffix("/") { target += "index.html" }
                    #expect(files.contains(target), "\(file) links to missing /\(target)")
                }
            }
        }
        // A course's material is copied beside it.
        #expect(files.contains("training/handover-inspection/checklist.txt"))

        // Dashboards: charts drawn as SVG, tables with CSV downloads, one page per agent.
        let sales = try #require(output.read("dashboards/sales/index.html"))
        #expect(sales.contains("<svg viewBox=") && sales.contains("role=\"img\""))
        #expect(sales.contains("<table class=\"sortable\""))
        #expect(!sales.contains("{{"))
        let csv = try FileSystem.readFile(output.root + "/public/dashboards/sales/month_board.csv")
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(files.filter { $0.hasPrefix("dashboards/agents/A") && $0.hasSuffix("/index.html") }.count == 40)
        #expect(files.filter { $0.hasPrefix("dashboards/transcripts/A") && $0.hasSuffix("/index.html") }.count == 40)
        for page in ["complaints", "inquiries", "training", "receipts", "budget"] {
            let html = try #require(output.read("dashboards/\(page)/index.html"))
            #expect(html.contains("class=\"freshness"), "\(page) says when its data was taken")
            #expect(html.contains("<svg") || html.contains("class=\"kpi\""), "\(page) shows data")
        }
        // A course page lists its sessions from the snapshot.
        #expect(try #require(output.read("training/complaint-handling/index.html")).contains("開課場次與出席"))
        // Customer names never appear: no dashboard selects them.
        let sitemap = try #require(output.read("sitemap.xml"))
        #expect(sitemap.contains("/dashboards/agents/A01/"))
    }
}
