import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

/// Text that becomes markup, script or a formula when it is not escaped for where it lands.
let payloads = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "'><svg onload=alert(3)>",
    "javascript:alert(4)",
    "</script><script>alert(5)</script>",
    "{{site.title}}{{{page.content}}}",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "@HYPERLINK(\"http://evil.example\")",
    "<iframe src=\"javascript:alert(6)\"></iframe>",
    "<a href=\"javascript:alert(7)\">x</a>",
    "<style>body{display:none}</style>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(8)>\">",
]

/// `'text'` as a YAML single-quoted scalar.
func yamlQuoted(_ text: String) -> String { "'" + text.replacing("'", with: "''") + "'" }
/// `'text'` as an SQL string literal.
func sqlQuoted(_ text: String) -> String { "'" + text.replacing("'", with: "''") + "'" }

/// A site with the payloads in every place a value can come from: the config, front matter
/// (title, summary, tags, synonyms, reply), Markdown (text, raw HTML, links, images,
/// headings), data (table cells, chart labels, KPI values, inline values, CSV cells,
/// templated page titles and slugs) and block options (table, chart and KPI labels).
func hostileSite(config: String = "") throws -> TestSite {
    let rows = payloads.enumerated().map { "(\($0.offset + 1), \(sqlQuoted($0.element)), \(($0.offset + 1) * 10))" }
    let dump = "CREATE TABLE evil (id INTEGER, label TEXT, amount REAL);\nINSERT INTO evil VALUES " + rows.joined(separator: ", ") + ";\n"
    let list = "[" + payloads.map(yamlQuoted).joined(separator: ", ") + "]"
    let markdown = """
    \(payloads.filter { !$0.contains("{{") }.joined(separator: "\n\n"))

    ## <script>alert(9)</script> 標題

    [連結](javascript:alert(10)) [大寫](JaVaScRiPt:alert(11)) ![圖](javascript:alert(12)) ![資料](data:text/html,<script>alert(13)</script>)
    <javascript:alert(14)> [vb](vbscript:msgbox(15))

    <div onclick="alert(16)"><a href="javascript:alert(17)">raw</a></div>

    `{{site.title}}` and <b onmouseover=alert(18)>b</b>
    """
    return try TestSite([
        "deskbook.yaml": "title: \(yamlQuoted("內網 " + payloads[0] + payloads[1]))\ndata:\n  evil: data/evil.sql\n" + config,
        "data/evil.sql": dump,
        "content/_index.md": TestSite.page("首頁"),
        "content/faq/_index.md": TestSite.page("常見問題"),
        "content/faq/evil.md": """
        ---
        title: \(yamlQuoted(payloads[0] + payloads[1] + payloads[5]))
        summary: \(yamlQuoted(payloads[2] + payloads[4]))
        date: 2026-11-20
        tags: \(list)
        synonyms: \(list)
        reply: \(yamlQuoted(payloads[1] + payloads[9]))
        ---

        \(markdown)
        """,
        "content/data.md": """
        ---
        title: 資料 \(yamlQuoted(payloads[0]).dropFirst().dropLast())
        date: 2026-11-21
        ---

        ```sql rows
        SELECT id, label, amount FROM evil ORDER BY id
        ```

        ```sql first
        SELECT label FROM evil WHERE id = 2
        ```

        首筆：{{ first.label }}

        ## {{ first.label }}

        ```table
        data: rows
        title: \(yamlQuoted(payloads[0]))
        labels: {label: \(yamlQuoted(payloads[1]))}
        link: /evil/{label}/
        ```

        ```chart
        type: hbar
        data: rows
        x: label
        y: amount
        title: \(yamlQuoted(payloads[2]))
        labels: {amount: \(yamlQuoted(payloads[4]))}
        ```

        ```chart
        type: stacked-bar
        data: rows
        x: id
        y: amount
        series: label
        ```

        ```chart
        type: donut
        data: rows
        x: label
        y: amount
        ```

        ```kpi
        data: first
        value: label
        label: \(yamlQuoted(payloads[0]))
        ```
        """,
        "content/evil/_index.md": TestSite.page("逐筆"),
        "content/evil/item.md": """
        ---
        title: "{{label}}"
        slug: "{{label}}"
        summary: "摘要 {{label}}"
        date: 2026-11-22
        each: SELECT id, label FROM evil ORDER BY id
        ---

        ```sql me
        SELECT label FROM evil WHERE id = :id
        ```

        本筆 {{ me.label }}
        """,
    ])
}

/// One start tag of an HTML or XML file: its name, attributes, and what follows it.
struct Tag {
    var name: String
    var attributes: [(name: String, value: String)]
    var after: Substring
}

/// The start tags of a document, read the way a browser tokenizes them (enough for checks).
func startTags(_ text: String) -> [Tag] {
    var tags: [Tag] = []
    var rest = Substring(text)
    while let open = rest.firstIndex(of: "<") {
        rest = rest[rest.index(after: open)...]
        guard let first = rest.first, first.isASCII, first.isLetter else { continue }
        let name = rest.prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
        rest = rest[name.endIndex...]
        var attributes: [(String, String)] = []
        while let next = rest.first, next != ">" {
            if next.isWhitespace || next == "/" { rest = rest.dropFirst(); continue }
            let attribute = rest.prefix { !$0.isWhitespace && $0 != "=" && $0 != ">" && $0 != "/" }
            if attribute.isEmpty { rest = rest.dropFirst(); continue }
            rest = rest[attribute.endIndex...]
            var value = ""
            if rest.first == "=" {
                rest = rest.dropFirst()
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    let body = rest.dropFirst().prefix { $0 != quote }
                    value = String(body)
                    rest = rest.dropFirst(body.count + 2)
                } else {
                    let body = rest.prefix { !$0.isWhitespace && $0 != ">" }
                    value = String(body)
                    rest = rest[body.endIndex...]
                }
            }
            attributes.append((attribute.lowercased(), value))
        }
        rest = rest.dropFirst()
        tags.append(Tag(name: name.lowercased(), attributes: attributes, after: rest))
    }
    return tags
}

/// Everything in the output that would run or render as the payloads' markup.
func survivingMarkup(in site: TestSite) throws -> [String] {
    var problems: [String] = []
    for file in site.outputFiles() {
        let text = String(decoding: try FileSystem.readFile(site.output + "/" + file), as: UTF8.self)
        if file.hasSuffix(".js") { continue }
        if file.hasSuffix(".json") {
            if text.contains("<script") || text.contains("<img") || text.contains("<svg") { problems.append("\(file): markup in JSON") }
            continue
        }
        if file.hasSuffix(".csv") {
            for line in text.dropFirst().split(separator: "\r\n") {
                var cells: [String] = []
                var cell = "", quoted = false
                for character in line {
                    if character == "\"" { quoted.toggle() } else if character == "," && !quoted { cells.append(cell); cell = "" } else { cell.append(character) }
                }
                cells.append(cell)
                for cell in cells where cell.first.map({ "=+-@".contains($0) }) == true { problems.append("\(file): formula cell \(cell)") }
            }
            continue
        }
        guard file.hasSuffix(".html") || file.hasSuffix(".xml") || file.hasSuffix(".svg") else { continue }
        for tag in startTags(text) {
            let names = tag.attributes.map(\.name)
            switch tag.name {
            case "script":
                let source = tag.attributes.first { $0.name == "src" }?.value ?? ""
                if !source.hasPrefix("/assets/") || !tag.after.hasPrefix("</script>") { problems.append("\(file): <script> not from the theme") }
            case "iframe", "object", "embed", "style", "base", "frame", "applet":
                problems.append("\(file): <\(tag.name)>")
            default:
                break
            }
            for name in names where name.hasPrefix("on") { problems.append("\(file): \(name)= on <\(tag.name)>") }
            if names.contains("style") { problems.append("\(file): style= on <\(tag.name)>, which the CSP blocks") }
            for (name, value) in tag.attributes where ["href", "src", "action", "formaction", "xlink:href"].contains(name) {
                if URLSafety.blockedScheme(value) != nil { problems.append("\(file): \(name)=\"\(value)\" on <\(tag.name)>") }
            }
        }
    }
    return problems
}

@Suite struct EscapingTests {
    @Test func noPayloadSurvivesAsMarkupAnywhereInTheOutput() throws {
        let site = try hostileSite()
        defer { site.remove() }
        _ = try buildData(site)
        #expect(try survivingMarkup(in: site) == [])

        // Each payload went through its path and arrived as text.
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        let faq = try #require(site.read("faq/evil/index.html"))
        #expect(faq.contains("<h1>\(escaped)&quot;&gt;&lt;img src=x onerror=alert(2)&gt;{{site.title}}{{{page.content}}}</h1>"))
        #expect(faq.contains("<title>\(escaped)"))
        #expect(faq.contains("<meta name=\"description\" content=\"&#39;&gt;&lt;svg onload=alert(3)&gt;"))
        #expect(faq.contains("&lt;div onclick=&quot;alert(16)&quot;&gt;"))
        #expect(faq.contains("連結 大寫 圖 資料"), "blocked links keep their text")
        #expect(faq.contains("<code>{{site.title}}</code>"))
        let data = try #require(site.read("data/index.html"))
        #expect(data.contains("<caption>\(escaped)</caption>"))
        #expect(data.contains("<p class=\"kpi-label\">\(escaped)</p>"))
        #expect(data.contains("<title>\(escaped)</title>"), "chart labels are SVG text")
        #expect(data.contains("首筆：&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        let csv = String(decoding: try FileSystem.readFile(site.output + "/data/rows.csv"), as: UTF8.self)
        #expect(csv.contains("7,'=cmd|' /C calc'!A0,70"))
        #expect(csv.contains("8,\"'+SUM(1,2)\",80"))
        #expect(csv.contains("9,\"'@HYPERLINK(\"\"http://evil.example\"\")\",90"))
        let searchParts = site.outputFiles().filter { $0.hasPrefix("search/d/") }.compactMap { site.read($0) }.joined()
        #expect(searchParts.contains("\\u003cscript>alert(1)\\u003c/script>"))
        #expect(try #require(site.read("feed.xml")).contains("<title>\(escaped)"))
        #expect(site.outputFiles().contains { $0.hasPrefix("evil/<script>alert(1)<-script>/") })
        #expect(try #require(site.read("evil/index.html")).contains("href=\"/evil/%3Cscript%3Ealert%281%29%3C-script%3E/\">\(escaped)</a>"))
    }

    @Test func allowedRawHTMLStillCannotRunScript() throws {
        let site = try hostileSite(config: "unsafe_html: true\n")
        defer { site.remove() }
        let report = try buildData(site)
        #expect(try survivingMarkup(in: site) == [])
        let faq = try #require(site.read("faq/evil/index.html"))
        #expect(faq.contains("<div><a>raw</a></div>"), "raw HTML stays, without its handler and script URL")
        #expect(faq.contains("<b>b</b>"))
        #expect(report.warnings.contains { $0.message.contains("removed onclick= attribute, javascript: URL in href=") })
    }

    @Test func everyPageCarriesAContentSecurityPolicy() throws {
        let site = try hostileSite()
        defer { site.remove() }
        _ = try buildData(site)
        let policy = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'\">"
        let pages = site.outputFiles().filter { $0.hasSuffix(".html") }
        #expect(pages.count > 10)
        for page in pages {
            let html = try #require(site.read(page))
            #expect(html.contains(policy), "\(page) has no Content-Security-Policy")
            #expect(html.range(of: policy)!.lowerBound < html.range(of: "<script")!.lowerBound, "\(page): the policy comes before any script")
        }
        let nginx = try FileSystem.readText(TestSite.repositoryRoot + "/deploy/nginx.conf")
        #expect(nginx.contains("add_header Content-Security-Policy \"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'\" always;"))
    }
}
