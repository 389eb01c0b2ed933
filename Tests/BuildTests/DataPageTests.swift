import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

let officeDump = """
CREATE TABLE _meta (key TEXT, value TEXT);
INSERT INTO _meta VALUES ('snapshot_at', '2026-11-26T06:00:00+08:00');
CREATE TABLE agents (agent_id TEXT, name TEXT, team TEXT);
INSERT INTO agents VALUES ('A1', '王小明', '松柏組'), ('A2', '李<b>美</b>', '楓林組'), ('A3', '陳大文', '松柏組');
CREATE TABLE deals (agent_id TEXT, month TEXT, amount REAL, area REAL);
INSERT INTO deals VALUES ('A1', '2026-11', 30000000, 120.5), ('A2', '2026-11', 25000000, 98), ('A3', '2026-11', 25000000, 101),
  ('A1', '2026-10', 20000000, 88), ('A2', '2026-10', 31000000, 130);
"""

/// A site with one snapshot (a SQL dump) and the given content pages.
func dataSite(_ pages: [String: String], config: String = "") throws -> TestSite {
    var files = ["deskbook.yaml": "title: 測試\ndata:\n  office: data/office.sql\n" + config, "data/office.sql": officeDump,
                 "content/_index.md": TestSite.page("首頁")]
    for (path, text) in pages { files[path] = text }
    return try TestSite(files)
}

func buildData(_ site: TestSite, buildTime: CalendarDate = CalendarDate(year: 2026, month: 11, day: 26, hour: 8)) throws(DiagnosticsError) -> BuildReport {
    var options = BuildOptions(siteDirectory: site.root)
    options.buildTime = buildTime
    return try SiteBuilder.build(options)
}

func expectBuildError(_ site: TestSite, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try buildData(site)
        Issue.record("expected the build to fail with \(expected)", sourceLocation: sourceLocation)
    } catch {
        let lines = error.diagnostics.map(\.description)
        #expect(lines.contains { $0.contains(expected) }, "got \(lines)", sourceLocation: sourceLocation)
    }
    #expect(!site.exists("index.html"), "a failed build wrote output", sourceLocation: sourceLocation)
}

/// A templated page: one page per agent, with the agent's total.
let agentPage = """
---
title: "{{name}} 的業績"
slug: "{{agent_id}}"
each: SELECT agent_id, name FROM agents ORDER BY agent_id
---

```sql mine
SELECT SUM(amount) AS amount FROM deals WHERE agent_id = :agent_id
```

累計 {{ mine.amount | money }}
"""

let boardQuery = """
```sql board
SELECT d.agent_id, a.name, a.team, SUM(d.amount) AS amount, SUM(d.area) AS area
FROM deals d JOIN agents a ON a.agent_id = d.agent_id
WHERE d.month = :month GROUP BY d.agent_id ORDER BY amount DESC
```
"""

@Suite struct DataPageTests {
    @Test func aTableRanksWithTiesTotalsLinksAndOffersACSV() throws {
        let site = try dataSite(["content/board.md": TestSite.page("排行", boardQuery + """

        ```table
        data: board
        columns: [name, team, amount, area]
        labels: {name: 姓名, amount: 金額}
        format: {amount: money, area: area}
        rank: true
        totals: [amount, area]
        bars: [amount]
        link: /agents/{agent_id}/
        ```
        """, extra: "params: {month: '2026-11'}")])
        defer { site.remove() }
        _ = try buildData(site)
        let html = try #require(site.read("board/index.html"))
        #expect(html.contains("<th scope=\"col\">姓名</th>"))
        #expect(html.contains("<td class=\"num rank\" data-value=\"1\">1</td><td><a href=\"/agents/A1/\">王小明</a></td>"))
        // 25,000,000 twice: both second, the next would be fourth.
        #expect(html.components("<td class=\"num rank\" data-value=\"2\">2</td>") == 2)
        #expect(html.contains("李&lt;b&gt;美&lt;/b&gt;"))
        #expect(html.contains("NT$80,000,000"))
        #expect(html.contains("<tfoot>"))
        #expect(html.contains("class=\"cell-bar\""))
        #expect(html.contains("共 3 筆") || html.contains("3 rows"))
        let csv = try FileSystem.readFile(site.output + "/board/board.csv")
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: csv.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("名次,姓名,team,金額,area\r\n1,王小明,松柏組,30000000,120.5\r\n"))
        #expect(html.contains("href=\"/board/board.csv\""))
    }

    @Test func aChartIsInlineSVGWithEscapedLabels() throws {
        let site = try dataSite(["content/chart.md": TestSite.page("圖", boardQuery + """

        ```chart
        type: hbar
        data: board
        x: name
        y: amount
        format: wan
        title: 本月 <業績>
        target: 28000000
        ```
        """, extra: "params: {month: '2026-11'}")])
        defer { site.remove() }
        _ = try buildData(site)
        let html = try #require(site.read("chart/index.html"))
        #expect(html.contains("<svg viewBox=\"0 0 640"))
        #expect(html.contains("<title id=\"chart-1-title\">本月 &lt;業績&gt;</title>"))
        #expect(html.contains("李&lt;b&gt;美&lt;/b&gt;") && !html.contains("李<b>美"))
        #expect(html.contains("3,000萬"))
        #expect(html.contains("class=\"target\""))
        #expect(!html.contains("tables."), "a page without tables loads no table script")
    }

    @Test func kpiTilesShowChangeAndAttainment() throws {
        let site = try dataSite(["content/kpi.md": TestSite.page("指標", """
        ```sql totals
        SELECT SUM(CASE WHEN month = '2026-11' THEN amount END) AS amount,
               SUM(CASE WHEN month = '2026-10' THEN amount END) AS previous, 100000000 AS target
        FROM deals
        ```

        ```kpi
        data: totals
        value: amount
        label: 本月成交
        format: money
        compare: previous
        target: target
        ```

        ```kpi
        data: totals
        value: amount
        label: 客訴
        compare: previous
        down_is_good: true
        ```
        """)])
        defer { site.remove() }
        _ = try buildData(site)
        let html = try #require(site.read("kpi/index.html"))
        #expect(html.contains("<p class=\"kpi-label\">本月成交</p><p class=\"kpi-value\">NT$80,000,000</p>"))
        #expect(html.contains("<p class=\"kpi-delta up good\"><span aria-hidden=\"true\">▲</span> 56.9%"))
        #expect(html.contains("<p class=\"kpi-delta up bad\">"))
        #expect(html.contains("達成率 80.0%"))
    }

    @Test func inlineValuesAreFormattedAndEscaped() throws {
        let site = try dataSite(["content/prose.md": TestSite.page("文", """
        ```sql top
        SELECT name, amount FROM deals JOIN agents USING (agent_id) WHERE month = '2026-10' ORDER BY amount DESC LIMIT 1
        ```

        上月冠軍 {{ top.name }}，成交 {{ top.amount | wan }}。
        """)])
        defer { site.remove() }
        _ = try buildData(site)
        let html = try #require(site.read("prose/index.html"))
        #expect(html.contains("上月冠軍 李&lt;b&gt;美&lt;/b&gt;，成交 3,100萬。"))
    }

    @Test func templatedPagesGetAPageEachListedAndInTheSitemap() throws {
        let site = try dataSite([
            "content/agents/_index.md": TestSite.page("業務員"),
            "content/agents/agent.md": agentPage,
        ])
        defer { site.remove() }
        _ = try buildData(site)
        let first = try #require(site.read("agents/A1/index.html"))
        #expect(first.contains("<h1>王小明 的業績</h1>"))
        #expect(first.contains("累計 NT$50,000,000"))
        #expect(site.exists("agents/A2/index.html") && site.exists("agents/A3/index.html"))
        let index = try #require(site.read("agents/index.html"))
        #expect(index.contains("href=\"/agents/A3/\">陳大文 的業績</a>"))
        #expect(try #require(site.read("sitemap.xml")).contains("<loc>/agents/A2/</loc>"))
    }

    @Test func dataPagesSayWhenTheDataWasTakenAndWarnWhenStale() throws {
        let page = TestSite.page("新鮮度", "```sql n\nSELECT COUNT(*) AS n FROM deals\n```\n\n共 {{ n.n }} 筆")
        let site = try dataSite(["content/fresh.md": page], config: "max_data_age: 26h\n")
        defer { site.remove() }
        _ = try buildData(site)
        let fresh = try #require(site.read("fresh/index.html"))
        #expect(fresh.contains("資料時間 2026年11月26日 06:00"))
        #expect(!fresh.contains("stale"))
        _ = try buildData(site, buildTime: CalendarDate(year: 2026, month: 11, day: 28))
        let stale = try #require(site.read("fresh/index.html"))
        #expect(stale.contains("class=\"freshness stale\""))
        #expect(stale.contains("資料已超過 1 天 2 小時 未更新"))
    }

    @Test func anSQLErrorPointsAtTheLineInsideTheBlock() throws {
        let site = try dataSite(["content/dashboards/sales.md": "---\ntitle: x\n---\n\n```sql top\nSELECT agent_id,\n       amout\nFROM deals\n```\n"])
        defer { site.remove() }
        expectBuildError(site, "content/dashboards/sales.md:7:8: error: no such column: amout")
    }

    @Test func anUnknownQueryOrColumnListsTheAvailableOnes() throws {
        let unknownQuery = try dataSite(["content/a.md": TestSite.page("a", boardQuery + "\n```chart\ndata: bored\nx: name\ny: amount\n```\n",
                                                                      extra: "params: {month: '2026-11'}")])
        defer { unknownQuery.remove() }
        expectBuildError(unknownQuery, "error: no query 'bored' on this page; available: board")
        let unknownColumn = try dataSite(["content/a.md": TestSite.page("a", boardQuery + "\n```table\ndata: board\ncolumns: [name, amout]\n```\n",
                                                                       extra: "params: {month: '2026-11'}")])
        defer { unknownColumn.remove() }
        expectBuildError(unknownColumn, "error: no column 'amout' in board; available: agent_id, name, team, amount, area")
    }

    /// An inline value with nothing in it, or only a format, is an error naming its line, not
    /// a crash (the fuzzer found `{{}}` taking the build down).
    @Test func anEmptyInlineValueIsExplained() throws {
        for body in ["前言\n\n總額 {{}} 元", "前言\n\n總額 {{ | money }} 元", "前言\n\n總額 {{|}} 元"] {
            let site = try dataSite(["content/a.md": TestSite.page("a", body)])
            defer { site.remove() }
            expectBuildError(site, "content/a.md:7:1: error: write an inline value as {{ query.column }} or {{ query.column | format }}")
        }
    }

    @Test func aBadOptionOrChartTypeIsNamed() throws {
        let site = try dataSite(["content/a.md": TestSite.page("a", boardQuery + "\n```chart\ntype: pie\ndata: board\nx: name\ny: amount\n```\n",
                                                              extra: "params: {month: '2026-11'}")])
        defer { site.remove() }
        expectBuildError(site, "error: unknown chart type 'pie'; use one of bar, hbar, line, area, stacked-bar, donut")
        let broken = try dataSite(["content/a.md": TestSite.page("a", boardQuery + "\n```table\ndata: [board\n```\n",
                                                                extra: "params: {month: '2026-11'}")])
        defer { broken.remove() }
        expectBuildError(broken, "content/a.md:")
    }

    @Test func aMissingParameterIsExplained() throws {
        let site = try dataSite(["content/a.md": TestSite.page("a", boardQuery + "\n```table\ndata: board\n```\n")])
        defer { site.remove() }
        expectBuildError(site, "error: no value for parameter :month")
    }

    @Test func aWritingQueryFailsTheBuild() throws {
        let site = try dataSite(["content/a.md": TestSite.page("a", "```sql wipe\nDELETE FROM deals\n```\n\n```table\ndata: wipe\n```\n")])
        defer { site.remove() }
        expectBuildError(site, "content/a.md:6:1: error: ")
    }

    @Test func anUnchangedQueryIsNotRunAgainAndTheOutputIsTheSame() throws {
        let site = try dataSite(["content/board.md": TestSite.page("排行", boardQuery + "\n```table\ndata: board\n```\n",
                                                                   extra: "params: {month: '2026-11'}")])
        defer { site.remove() }
        let cold = try buildData(site)
        #expect(cold.queriesRun == 1)
        let first = site.read("board/index.html")
        let warm = try buildData(site)
        #expect(warm.queriesRun == 0)
        #expect(site.read("board/index.html") == first)
        // A changed snapshot runs its queries again.
        try site.write("data/office.sql", officeDump + "\nINSERT INTO deals VALUES ('A3', '2026-11', 1, 1);")
        let changed = try buildData(site)
        #expect(changed.queriesRun == 1)
        #expect(site.read("board/index.html") != first)
        // Deleting the cache is safe.
        FileSystem.removeTree(site.root + "/.deskbook-cache")
        _ = try buildData(site)
        #expect(site.read("board/index.html") != first)
    }

    @Test func aMissingSnapshotFileIsNamed() throws {
        let site = try TestSite(["deskbook.yaml": "data:\n  office: data/none.sqlite\n", "content/a.md": TestSite.page("a")])
        defer { site.remove() }
        expectBuildError(site, "deskbook.yaml:1:1: error: snapshot 'office': no such file data/none.sqlite")
    }
}

extension String {
    func components(_ separator: String) -> Int { split(separator: separator, omittingEmptySubsequences: false).count - 1 }
}
