import DeskbookSupport
import DeskbookTestSupport
import Foundation
import Testing
@testable import Build

/// A small knowledge base with known entries, built, then searched by running the theme's
/// search script under node against the index the build wrote.
@Suite struct SearchBehaviourTests {
    static let site: [String: String] = [
        "synonyms.yaml": "- [按揭, 房貸]\n",
        "content/faq/_index.md": TestSite.page("常見問題"),
        "content/faq/loans/_index.md": TestSite.page("貸款"),
        "content/faq/loans/rate.md": TestSite.page("商業貸款利率調整怎麼算？", "依央行調整而定。",
                                                   extra: "reply: 依銀行公告的指標利率加碼計算。\nsynonyms: [青安]"),
        "content/faq/loans/mortgage.md": TestSite.page("房貸可以貸幾成？", "一般為八成。", extra: "reply: 依鑑價約八成。"),
        "content/faq/parking/_index.md": TestSite.page("車位"),
        "content/faq/parking/size.md": TestSite.page("車位尺寸多大？", "平面車位寬2.5公尺。", extra: "reply: 寬2.5公尺。"),
        "content/faq/english.md": TestSite.page("Mortgage calculator for buyers", "Use the mortgage worksheet.",
                                                extra: "reply: Ask the loan desk."),
        "content/policies/_index.md": TestSite.page("制度"),
        "content/policies/finance.md": TestSite.page("財務管理辦法", """
            ## 第一條 目的

            規範費用。

            ## 第二條 收款

            客戶的貸款撥款與貸款文件由財務部追蹤，貸款進度每週回報。
            """),
    ]

    /// The top results for each query, as page URLs (with the heading anchor, if any).
    func results(_ queries: [String]) throws -> [String: [String]] {
        let site = try TestSite(Self.site)
        defer { site.remove() }
        _ = try SiteBuilder.build(BuildOptions(siteDirectory: site.root))
        let script = TestSite.repositoryRoot + "/themes/default/assets/search.js"
        let harness = TestSite.repositoryRoot + "/Tests/BuildTests/search-harness.js"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["node", harness, script, site.output] + queries
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "node must be installed (scripts/setup installs it)")
        let decoded = try JSONSerialization.jsonObject(with: data) as? [[Any]] ?? []
        var table: [String: [String]] = [:]
        for pair in decoded { table[pair[0] as! String] = pair[1] as? [String] }
        return table
    }

    @Test func queriesFindTheirExpectedTopResults() throws {
        let expected: [(query: String, top: String?)] = [
            ("貸款利率", "/faq/loans/rate/"),            // a substring across words
            ("款利", "/faq/loans/rate/"),                // any two characters
            ("贷款利率", "/faq/loans/rate/"),            // Simplified finds Traditional
            ("按揭", "/faq/loans/mortgage/"),            // a site synonym of 房貸
            ("青安", "/faq/loans/rate/"),                // a page's own synonyms
            ("mortg", "/faq/english/"),                  // an English prefix while typing
            ("MORTGAGE", "/faq/english/"),               // case-insensitive
            ("車", "/faq/parking/size/"),                // one character matches titles
            ("火星", nil),                               // nothing
        ]
        let found = try results(expected.map(\.query))
        for (query, top) in expected {
            #expect(found[query]?.first == top, "\(query): got \(found[query] ?? [])")
        }
    }

    @Test func faqQuestionsRankAboveLongPagesThatMentionTheWords() throws {
        let found = try results(["貸款"])
        let urls = found["貸款"] ?? []
        let faq = try #require(urls.firstIndex { $0.hasPrefix("/faq/loans/rate/") })
        let policy = try #require(urls.firstIndex { $0.hasPrefix("/policies/finance/") })
        #expect(faq < policy)
    }

    @Test func aLongPageResultLinksToItsHeading() throws {
        let found = try results(["撥款"])
        #expect(found["撥款"]?.first == "/policies/finance/#第二條-收款")
    }
}
