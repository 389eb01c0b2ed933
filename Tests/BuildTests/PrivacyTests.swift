import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

/// Customers whose details must never reach the built site as they are.
let customerDump = """
CREATE TABLE _meta (key TEXT, value TEXT);
INSERT INTO _meta VALUES ('snapshot_at', '2026-11-26T06:00:00+08:00');
CREATE TABLE customers (customer_id TEXT, customer_name TEXT, phone TEXT, id_number TEXT, email TEXT, 會員編號 TEXT);
INSERT INTO customers VALUES
  ('K1', '蔣雨澄', '0933-274-615', 'F223344556', 'yuching.chiang@example.com', 'M77160021'),
  ('K2', '歐陽翠薇', '0988-517-902', 'Q298765432', 'tsuiwei.ouyang@example.com', 'M88270032'),
  ('K3', 'Beatrix Quennell', '0921660487', 'H134679258', 'bquennell@example.com', 'M99380043');
CREATE TABLE complaints (complaint_id TEXT, customer_id TEXT, category TEXT, hours REAL);
INSERT INTO complaints VALUES ('C1', 'K1', '漏水', 5), ('C2', 'K2', '交屋', 30), ('C3', 'K1', '服務', 2), ('C4', 'K3', '合約', 12);
"""

/// Every spelling of the seeded details that would betray one: whole values, the parts a
/// mask hides, digits without separators, and the percent-encoded forms URLs use.
let customerSecrets: [String] = {
    var secrets = ["蔣雨澄", "雨澄", "歐陽翠薇", "陽翠", "翠薇", "Beatrix", "Quennell",
                   "0933-274-615", "0933274615", "274-615", "274615", "0988-517-902", "0988517902", "517-902", "0921660487", "921660",
                   "F223344556", "2233445", "Q298765432", "2987654", "H134679258", "1346792",
                   "yuching", "chiang@", "tsuiwei", "ouyang", "bquennell", "M77160021", "160021", "M88270032", "270032", "M99380043", "380043"]
    secrets += ["雨澄", "翠薇", "蔣雨澄", "歐陽翠薇"].map(Escape.urlPathSegment)
    return secrets
}()

/// A site that shows customers through every path a value can take: tables and their CSVs,
/// charts (labels, legends, tooltips), KPI tiles, inline values in prose and headings (so in
/// summaries, the feed and the search index), and a templated page per customer.
func customerSite(_ extraPages: [String: String] = [:], config: String = "") throws -> TestSite {
    var files = [
        "deskbook.yaml": "title: 客服中心\ndata:\n  office: data/office.sql\n" + config,
        "data/office.sql": customerDump,
        "content/_index.md": """
        ---
        title: 首頁
        ---

        ```sql latest
        SELECT c.customer_name, c.phone FROM complaints k JOIN customers c USING (customer_id) ORDER BY k.complaint_id DESC LIMIT 1
        ```

        最新客訴：{{ latest.customer_name }}（{{ latest.phone }}）
        """,
        "content/complaints.md": """
        ---
        title: 客訴
        date: 2026-11-20
        tags: [客訴]
        ---

        最常客訴的是 {{ top.customer_name }}，電話 {{ top.phone }}，信箱 {{ top.email }}。

        ```sql top
        SELECT c.customer_name, c.phone, c.email, c.id_number, COUNT(*) AS complaints
        FROM complaints k JOIN customers c USING (customer_id) GROUP BY c.customer_id ORDER BY complaints DESC LIMIT 1
        ```

        ```sql cases
        SELECT k.complaint_id, c.customer_name, c.phone, c.id_number, c.email, c.會員編號, k.category, k.hours
        FROM complaints k JOIN customers c USING (customer_id) ORDER BY k.complaint_id
        ```

        ```sql by_customer
        SELECT c.customer_name AS 客人, c.phone AS 聯絡, k.category, COUNT(*) AS n, SUM(k.hours) AS hours
        FROM complaints k JOIN customers c USING (customer_id) GROUP BY c.customer_id, k.category ORDER BY c.customer_id
        ```

        ## 重點客戶 {{ top.customer_name }}

        ```kpi
        data: top
        value: customer_name
        label: 最常客訴
        ```

        ```kpi
        data: top
        value: phone
        label: 聯絡電話
        ```

        ```table
        data: cases
        title: 案件
        ```

        ```table
        data: by_customer
        link: /customers/{客人}/
        ```

        ```chart
        type: hbar
        data: by_customer
        x: 客人
        y: hours
        title: 處理時數
        ```

        ```chart
        type: stacked-bar
        data: by_customer
        x: category
        y: n
        series: 聯絡
        title: 依電話
        ```

        ```chart
        type: donut
        data: by_customer
        x: 聯絡
        y: n
        title: 依客人
        ```
        """,
        "content/customers/_index.md": TestSite.page("客戶"),
        "content/customers/customer.md": """
        ---
        title: "客戶 {{customer_name}}"
        slug: "{{customer_name}}"
        summary: "{{customer_name}} 的電話 {{phone}}"
        date: 2026-11-21
        tags: [客戶]
        each: SELECT customer_id, customer_name, phone FROM customers ORDER BY customer_id
        ---

        ```sql mine
        SELECT c.customer_name, c.phone, c.email, k.category FROM complaints k JOIN customers c USING (customer_id)
        WHERE k.customer_id = :customer_id
        ```

        {{ mine.customer_name }} 的案件，回撥 {{ mine.phone }}。

        ```table
        data: mine
        ```
        """,
    ]
    for (path, text) in extraPages { files[path] = text }
    return try TestSite(files)
}

/// Output files (by path) that hold a secret, with the secrets found. File names count.
func leaks(in site: TestSite, of secrets: [String]) throws -> [String: [String]] {
    var found: [String: [String]] = [:]
    let files = site.outputFiles()
    #expect(files.count > 20)
    for file in files {
        let bytes = try FileSystem.readFile(site.output + "/" + file)
        let text = file + "\n" + String(decoding: bytes, as: UTF8.self)
        let hits = secrets.filter { text.contains($0) }
        if !hits.isEmpty { found[file] = hits }
    }
    return found
}

@Suite struct PrivacyTests {
    @Test func noSeededCustomerDetailReachesAnyFileOfTheOutput() throws {
        let site = try customerSite(config: "privacy:\n  mask: [{column: 會員編號, style: id}]\n")
        defer { site.remove() }
        _ = try buildData(site)
        #expect(try leaks(in: site, of: customerSecrets) == [:])

        // The masks show what staff need, wherever the values went.
        let page = try #require(site.read("complaints/index.html"))
        #expect(page.contains("最常客訴的是 蔣**，電話 0933***615，信箱 y***@example.com。"))
        #expect(page.contains("<td>歐***</td><td>0988***902</td><td>Q29******2</td>"))
        #expect(page.contains("<td>B****** ********</td><td>0921***487</td>"))
        #expect(page.contains("<p class=\"kpi-value\">蔣**</p>"))
        #expect(page.contains("<td>M77*****1</td>"))
        #expect(page.contains("<title>蔣**</title>"), "chart labels keep the mask in their tooltips")
        #expect(page.contains("id=\"重點客戶-蔣\""))
        let csv = String(decoding: try FileSystem.readFile(site.output + "/complaints/cases.csv"), as: UTF8.self)
        #expect(csv.contains("C1,蔣**,0933***615,F22******6,y***@example.com,M77*****1,漏水,5"))
        // A page per customer, titled and addressed by the masked name.
        let customer = try #require(site.read("customers/蔣**/index.html"))
        #expect(customer.contains("<h1>客戶 蔣**</h1>"))
        #expect(customer.contains("蔣** 的案件，回撥 0933***615。"))
        #expect(try #require(site.read("feed.xml")).contains("<summary>蔣** 的電話 0933***615</summary>"))
    }

    @Test func aPageMayShowAColumnItAllowsWithAReason() throws {
        let site = try customerSite(["content/callbacks.md": """
        ---
        title: 回撥名單
        privacy:
          allow:
            - column: phone
              reason: 回撥專員需撥打客戶電話
        ---

        ```sql calls
        SELECT c.customer_name, c.phone AS 回撥電話 FROM customers c ORDER BY customer_id
        ```

        ```table
        data: calls
        ```
        """])
        defer { site.remove() }
        let report = try buildData(site)
        let page = try #require(site.read("callbacks/index.html"))
        #expect(page.contains("<td>蔣**</td><td>0933-274-615</td>"), "the allowed column is shown, even under another name")
        #expect(String(decoding: try FileSystem.readFile(site.output + "/callbacks/calls.csv"), as: UTF8.self).contains("0933-274-615"))
        // Only there: every other file still has the phone masked.
        let found = try leaks(in: site, of: ["0933-274-615"])
        #expect(Set(found.keys) == ["callbacks/index.html", "callbacks/calls.csv"])
        #expect(report.unmaskedColumns.map(\.description) == ["content/callbacks.md:5:7: shows phone unmasked: 回撥專員需撥打客戶電話"])
    }

    @Test func anAllowWithoutAReasonStopsTheBuildAtItsLine() throws {
        let site = try customerSite(["content/callbacks.md": "---\ntitle: 回撥\nprivacy:\n  allow:\n    - column: phone\n---\n"])
        defer { site.remove() }
        expectBuildError(site, "content/callbacks.md:5:7: error: privacy.allow: 'phone' needs a reason")
    }

    @Test func anAllowanceNoQueryNeedsIsAWarning() throws {
        let site = try customerSite(["content/names.md": """
        ---
        title: 名單
        privacy: {allow: [{column: customer_name, reason: 稱呼客戶}, {column: phnoe, reason: 回撥}]}
        ---

        ```sql names
        SELECT customer_name FROM customers
        ```

        {{ names.customer_name }}
        """])
        defer { site.remove() }
        let report = try buildData(site)
        #expect(report.warnings.map(\.description) == [
            "content/names.md:3:58: warning: privacy.allow: no query on this page returns a masked column 'phnoe'; remove the entry",
        ])
        #expect(try #require(site.read("names/index.html")).contains("蔣雨澄"))
    }

    @Test func aSiteCanTurnADefaultMaskOff() throws {
        let site = try customerSite(config: "privacy:\n  unmask: [email]\n")
        defer { site.remove() }
        _ = try buildData(site)
        let page = try #require(site.read("complaints/index.html"))
        #expect(page.contains("yuching.chiang@example.com"))
        #expect(page.contains("0933***615"), "the other masks stay")
    }
}
