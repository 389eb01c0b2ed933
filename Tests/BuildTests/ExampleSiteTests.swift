import DeskbookData
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

        // One site per audience: managers see every page, staff all but the budget and the
        // training records; each site's links resolve within it.
        let all = output.outputFiles()
        func site(_ audience: String) -> Set<String> {
            Set(all.filter { $0.hasPrefix(audience + "/") }.map { String($0.dropFirst(audience.count + 1)) })
        }
        let files = site("managers")
        let staff = site("staff")
        #expect(staff.contains("index.html") && staff.contains("dashboards/sales/index.html"))
        #expect(!staff.contains { $0.hasPrefix("dashboards/budget/") || $0.hasPrefix("dashboards/transcripts/") })
        let staffText = try staff.filter { $0.hasSuffix(".html") || $0.hasSuffix(".json") || $0.hasSuffix(".xml") }
            .map { String(decoding: try FileSystem.readFile(output.root + "/public/staff/" + $0), as: UTF8.self) }
        #expect(!staffText.contains { $0.contains("預算執行") || $0.contains("學習護照") || $0.contains("dashboards/budget") })

        // Every Markdown page of content/ (drafts aside) has its page.
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
        let home = try #require(output.read("managers/index.html"))
        for title in ["常見問題", "教育訓練", "管理制度"] { #expect(home.contains(title)) }

        // Every internal href and src of every page points at a file of its own site.
        for (audience, pages) in [("managers", files), ("staff", staff)] {
            for file in pages where file.hasSuffix(".html") {
                let html = try #require(output.read(audience + "/" + file))
                for attribute in ["href=\"/", "src=\"/"] {
                    var rest = Substring(html)
                    while let range = rest.range(of: attribute) {
                        rest = rest[range.upperBound...]
                        var target = Escape.percentDecoded(String(rest.prefix { $0 != "\"" && $0 != "#" && $0 != "?" }))
                        #expect(target.hasPrefix(audience + "/"), "\(audience)/\(file) links out of its site to /\(target)")
                        target = String(target.dropFirst(audience.count + 1))
                        if target.isEmpty || target.hasSuffix("/") { target += "index.html" }
                        #expect(pages.contains(target), "\(audience)/\(file) links to missing \(target)")
                    }
                }
            }
        }
        // A course's material is copied beside it.
        #expect(files.contains("training/handover-inspection/checklist.txt"))

        // Dashboards: charts drawn as SVG, tables with CSV downloads, one page per agent.
        let sales = try #require(output.read("managers/dashboards/sales/index.html"))
        #expect(sales.contains("<svg viewBox=") && sales.contains("role=\"img\""))
        #expect(sales.contains("<table class=\"sortable\""))
        #expect(!sales.contains("{{"))
        let csv = try FileSystem.readFile(output.root + "/public/managers/dashboards/sales/month_board.csv")
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(files.filter { $0.hasPrefix("dashboards/agents/A") && $0.hasSuffix("/index.html") }.count == 40)
        #expect(files.filter { $0.hasPrefix("dashboards/transcripts/A") && $0.hasSuffix("/index.html") }.count == 40)
        for page in ["complaints", "inquiries", "training", "receipts", "budget"] {
            let html = try #require(output.read("managers/dashboards/\(page)/index.html"))
            #expect(html.contains("class=\"freshness"), "\(page) says when its data was taken")
            #expect(html.contains("<svg") || html.contains("class=\"kpi\""), "\(page) shows data")
        }
        // A course page lists its sessions from the snapshot.
        #expect(try #require(output.read("managers/training/complaint-handling/index.html")).contains("開課場次與出席"))
        let sitemap = try #require(output.read("managers/sitemap.xml"))
        #expect(sitemap.contains("/managers/dashboards/agents/A01/"))

        // Customers of open complaints and overdue payments are listed, masked: no phone or
        // ID number of any customer is in any file, and no name on those pages or their CSVs.
        let snapshot = try Snapshot(name: "office", path: root + "/data/office.sqlite", displayPath: "data/office.sqlite")
        let everyone = try snapshot.query("SELECT phone, id_number FROM customers", limits: QueryLimits(maxRows: 10_000_000))
        #expect(everyone.rows.count > 1000)
        // Every run of ASCII letters, digits and dashes as long as a phone or ID number.
        var words: Set<ArraySlice<UInt8>> = []
        for file in files where [".html", ".csv", ".json", ".xml"].contains(where: { file.hasSuffix($0) }) {
            let bytes = try FileSystem.readFile(output.root + "/public/managers/" + file)
            var start = 0
            for index in 0...bytes.count {
                let byte = index < bytes.count ? bytes[index] : 0
                let inWord = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
                if inWord { continue }
                if (10...12).contains(index - start) { words.insert(bytes[start..<index]) }
                start = index + 1
            }
        }
        let exposed = everyone.rows.flatMap { $0.map(\.description) }.filter { words.contains(Array($0.utf8)[...]) }
        #expect(exposed.isEmpty, "customer phone or ID numbers in the output: \(exposed.prefix(5))")
        let listed = try snapshot.query("""
            SELECT c.customer_name, c.phone FROM customers c
            WHERE c.customer_id IN (SELECT customer_id FROM complaints WHERE resolved = 0)
               OR c.customer_id IN (SELECT customer_id FROM receipts WHERE paid_date IS NULL
                                    AND due_date < (SELECT value FROM _meta WHERE key = 'as_of'))
            """, limits: QueryLimits(maxRows: 10_000_000)).rows.map { $0.map(\.description) }
        #expect(!listed.isEmpty)
        let complaints = try #require(output.read("managers/dashboards/complaints/index.html"))
        let first = try snapshot.query("""
            SELECT c.customer_name, c.phone FROM complaints k JOIN customers c USING (customer_id) WHERE k.resolved = 0 ORDER BY k.received_at LIMIT 1
            """).rows[0].map(\.description)
        #expect(complaints.contains("<td>\(MaskStyle.name.apply(first[0]))</td><td>\(MaskStyle.phone.apply(first[1]))</td>"))
        let pages = try files.filter { $0.hasPrefix("dashboards/complaints/") || $0.hasPrefix("dashboards/receipts/") }
            .map { String(decoding: try FileSystem.readFile(output.root + "/public/managers/" + $0), as: UTF8.self) }.joined()
        // Table and CSV cells of those pages; agents' names may equal a customer's.
        let cells = Set(pages.split { $0 == "<" || $0 == ">" || $0 == "," || $0 == "\n" || $0 == "\r\n" })
        let agents = Set(try snapshot.query("SELECT name FROM agents").rows.map(\.[0].description))
        for customer in listed where !agents.contains(customer[0]) && cells.contains(Substring(customer[0])) {
            Issue.record("customer name \(customer[0]) is on a dashboard unmasked")
        }
    }
}
