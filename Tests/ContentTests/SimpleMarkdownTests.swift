import DeskbookSupport
import Foundation
import Testing
@testable import Content

/// `SimpleMarkdown` must render every page it takes exactly as cmark-gfm and the tree edits
/// do, and leave every other page to them.
@Suite struct SimpleMarkdownTests {
    /// Both renderings of `body`: the subset's (nil when it leaves the page to cmark-gfm) and
    /// cmark-gfm's.
    func renderings(_ body: String, path: String = "faq/loans/a.md", otherPages: [String] = ["faq/loans/rate.md", "faq/_index.md"])
        -> (simple: RenderedMarkdown?, cmark: RenderedMarkdown) {
        let (page, links) = smallSite(body, path: path, otherPages: otherPages)
        var source = Array(body.utf8)
        let simple = source.withUnsafeMutableBufferPointer { SimpleMarkdown.render(UnsafeBufferPointer($0), page: page, links: links) }
        let cmark = MarkdownRenderer(usesSimpleMarkdown: false).render(page, links: links)
        return (simple, cmark)
    }

    /// What the rest of the build reads of a rendering, as one comparable text.
    func summary(_ rendered: RenderedMarkdown) -> String {
        var lines = [rendered.html]
        lines += rendered.headings.map { "heading \($0.level) \($0.text) #\($0.id)" }
        lines += rendered.sections.map { "section #\($0.anchor) \($0.heading): \($0.text)" }
        lines.append("first paragraph: \(rendered.firstParagraph)")
        lines += rendered.diagnostics.map { "diagnostic: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// True when the subset took `body`; fails when it took it and rendered it otherwise.
    @discardableResult
    func rendersAlike(_ body: String, path: String = "faq/loans/a.md", otherPages: [String] = ["faq/loans/rate.md", "faq/_index.md"],
                      sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let (simple, cmark) = renderings(body, path: path, otherPages: otherPages)
        guard let simple else { return false }
        #expect(summary(simple) == summary(cmark), "for \(String(reflecting: body))", sourceLocation: sourceLocation)
        return true
    }

    @Test func everyConstructOfTheSubsetRendersAsCmarkGFMDoes() {
        let documents = [
            "",
            "一段話。",
            "## 首期款\n\n首付比例為**三成**，以`銀行`核貸為準。\n第二行  \n第三行",
            "# 一\n## 二\n### 三\n#### 四\n##### 五\n###### 六\n## 二\n## 二",
            "前言\n## 標題 *強調* `代碼`\n正文",
            "- 甲\n- 乙 **重點**\n- 丙\n\n1. 一\n2. 二\n\n段\n\n3. 三\n4. 四\n\n* 星\n+ 加\n\n段落\n- 打斷段落的清單\n\n段落\n1. 從一開始",
            "- a\n2. b\n* c",
            "| 項目 | 數量 | 金額(萬元) |\n| --- | ---: | :-: |\n| 樣板房 | 151 | 6953.4 |\n| 首付 | **229** |\n| a | b | c | d |\n\n後記",
            "|a|b|\n|:--|-|\n|x|y|",
            "| 只有表頭 |\n| --- |",
            "參見[業績合同問題](rate.md)與[第二條](/faq/loans/rate/#利率)，及[一頁](/faq/loans/rate/?q=1;x=$)。",
            "**[粗體連結](rate.md)** 與 *[斜體](rate.md)*",
            "*foo**bar*", "*a**b***c", "**a*b***", "*a***b**", "a***b* c*", "***a**b*", "*foo**bar**baz*",
            "**foo*bar*baz**", "foo*bar**baz*", "*a**", "__a_b___", "_a_ b_c_d __e__", "snake_case_word",
            "「**引號**」與（*括號*）。**粗體**後文", "**。**", "a * b * c", "*\u{3000}a*", "**a** ***b*** ****c****",
            "`` a ` b `` 與 ` c ` 及 `  ` 和 ``` x ``` 與 `未閉合",
            "a > b & c \"d\" 'e' !f] (g) 1.5 #h |i| _ x", "2026年 3.5萬 12) 三",
            "w ww wwwx http:x a:b mailto", "# C# 語言", "行尾空格   \n下一行 \n最後  ",
            "```text\n代碼 <b> & \"q\"\n  縮排\n\n空行後\n```\n\n段落\n```\n無語言\n  ````  \n- 項\n~~~ sql 其餘\nselect 1\n~~~\n段落\n```\n```",
        ]
        for document in documents {
            #expect(rendersAlike(document), "left to cmark-gfm: \(String(reflecting: document))")
        }
    }

    /// Every byte a destination may hold, written into `href` as cmark-gfm writes it.
    /// Inputs the fuzzer found rendered otherwise than cmark-gfm renders them, and the quirks
    /// of cmark-gfm 0.29 behind them, each in a shorter form: a search for closing backticks
    /// trusts what earlier searches passed, runs of more than 80 backticks open nothing, and
    /// a search for an opener stops at the very delimiter where an earlier one gave up, and
    /// goes past where that delimiter was once it is removed.
    @Test func fuzzFindingsRenderAlike() {
        let backticks81 = String(repeating: "`", count: 81)
        let documents = [
            "前``x`a`y`b`後",
            "| 天數 | 主題 |\n|---|---|\n| 第1天 |\u{0C} 生活機能 |\n| 第2天 | 交通\u{0B} |\n| \u{0B}\u{0C}3 |\u{0C}\u{0B}四\u{0C} |",
            "| 天數 | 主題 |\n|\u{0B}---\u{0C}|:--\u{0B}|\n| 1 | 2 |",
            "前 \(backticks81) 代碼 \(backticks81) 後",
            "____-1\n_]__--1BY_-1\n_\u{FFFD}__--1BYa_]__--1BY_-1\n_]__--1BYa",
            "\n## 第一條 目的\n\n為有效\u{FFFD}`````````|``-\u{FFFD}```````\u{FFFD}````section-13`\u{FFFD}`\u{FFFD}\u{FFFD}`````````````````{`\u{FFFD}\u{FFFD}營運\u{FFFD}`\u{FFFD}kp\u{FFFD}",
            "____-\u{1C}1\n_]__--1BY_-\u{1C}1\n_\u{FFFD}__--1BYa_]__--1BY_-\u{1C}1\n_]__--1BYa .\u{FFFD}_\u{FFFD}\u{FFFD}!\u{FFFD}a .\u{FFFD}_\u{FFFD} .\u{FFFD}_\u{FFFD}!\u{FFFD}",
            "____-\u{1C}1\n_]__--1BY_-\u{1C}1\n_z__--1BYa .\u{FFFD}߰\u{FFFD}!\u{FFFD}a \u{1C}1\n_]__--1BY_-\u{1C}1\n_]__--1BYa .\u{FFFD}߰\u{FFFD}!\u{FFFD}a .\u{FFFD}_\u{FFFD}!\u{FFFD}",
        ]
        for document in documents {
            #expect(rendersAlike(document), "left to cmark-gfm: \(String(reflecting: document))")
        }
    }

    @Test func linkDestinationsAreEscapedAsCmarkGFMDoes() {
        var taken = 0
        for byte in UInt8(ascii: "!")...UInt8(ascii: "~") {
            let character = String(UnicodeScalar(byte))
            for destination in ["rate.md#a\(character)b", "/faq/loans/rate/?q=\(character)"] where rendersAlike("見[a](\(destination))") {
                taken += 1
            }
        }
        #expect(taken > 120)
        #expect(rendersAlike("見[a](/faq/loans/rate/#說明é)"))
    }

    /// A link to a page only another audience sees keeps its text and loses its link, in
    /// both renderers.
    @Test func linksToAnotherAudiencesPagesKeepTheirText() throws {
        let body = "見[內部規定](secret.md)與[另一份](/faq/secret/)，及[公開](open.md)。"
        let page = Page(kind: .page, sourcePath: "faq/a.md", frontMatter: FrontMatter(), body: body, bodyLineOffset: 4,
                        urlPath: "faq/a/", sectionPath: "faq", bundleDirectory: nil)
        let open = Page(kind: .page, sourcePath: "faq/open.md", frontMatter: FrontMatter(), body: "", bodyLineOffset: 0,
                        urlPath: "faq/open/", sectionPath: "faq", bundleDirectory: nil)
        let links = LinkResolver(pages: [page, open], staticFiles: [], extraOutputs: [], basePath: "/",
                                 hidden: ["faq/secret.md", "faq/secret/"])
        var source = Array(body.utf8)
        let simple = try #require(source.withUnsafeMutableBufferPointer { SimpleMarkdown.render(UnsafeBufferPointer($0), page: page, links: links) })
        let cmark = MarkdownRenderer(usesSimpleMarkdown: false).render(page, links: links)
        #expect(summary(simple) == summary(cmark))
        #expect(simple.html == "<p>見內部規定與另一份，及<a href=\"/faq/open/\">公開</a>。</p>\n")
    }

    @Test func constructsOutsideTheSubsetAreLeftToCmarkGFM() {
        let documents = [
            "> 引用", "```\n未閉合", "```a`b\nx\n```", "```\n\tx\n```", "    縮排代碼", " 前導空格", "<div>x</div>", "文字 <b>粗</b>",
            "標題\n===", "標題\n---", "---", "***", "___", "- a\n\n- b", "1. a\n\n2. b", "- a\n  續行", "- a\n懶惰續行",
            "- - 巢狀", "- [ ] 任務", "段落\n2. 不打斷", "![圖](a.png)", "[參考][a]\n\n[a]: /x", "註[^1]\n\n[^1]: 腳註",
            "[壞連結](missing.md)", "[外部](https://example.com)", "見 https://example.com", "www.example.com", "a@b.com",
            "\\*轉義", "&amp; 實體", "&#35;", "~~刪除~~", "a\tb", "a\r\nb", "\u{FEFF}BOM", "|a|b|\n|---|\n|x|y|", "| a |\n| : |", "| a |\n| :: |",
            "段落\n| a | b |\n| --- | --- |", "| a |\n| --- |\n沒有管線的列", "#標籤", "## 結尾 ##", "1) 括號",
            "`多行\n代碼`", "`a\0b`", "`a\tb`", "[多行\n連結](rate.md)", "[**粗**](rate.md)", "[](rate.md)", "[a]()",
        ]
        for document in documents {
            let (simple, cmark) = renderings(document)
            #expect(simple == nil, "taken by the subset: \(String(reflecting: document))")
            #expect(!cmark.html.isEmpty || document.isEmpty)
        }
        // What cmark-gfm makes of them is what a build shows.
        #expect(render("> 引用").html.contains("<blockquote>"))
        #expect(render("[壞連結](missing.md)").diagnostics.count == 1)
    }

    /// Documents made of the subset's pieces and of near misses, with a fixed seed: every one
    /// the subset takes renders as cmark-gfm renders it.
    @Test func randomDocumentsRenderAsCmarkGFMDoes() {
        let starts = ["", "", "", "", "# ", "## ", "###### ", "- ", "* ", "+ ", "1. ", "2. ", "| "]
        let nearStarts = ["####### ", "0. ", "10) ", "> ", " ", "    ", "```", "~~~", "```text", "````", "---", "***", "===", "[a]: /x ", "#", "-", "1.",
                          "`", "_", ":--|", "*", "___"]
        let pieces = ["*", "**", "***", "_", "__", "a", "b", "中文", "房", " ", "  ", "。", "，", "(", ")", "`", "``",
                      "[連結](rate.md)", "[x](/faq/loans/rate/)", "]", "!", "& ", "\"", ">", "'", "w", ":", "-", "#", "|",
                      "x*y", "「", "」", "！", "？", "$", "1", ".", "\u{3000}", "é", "\u{1F600}", "=", "+", "\n"]
        let nearPieces = ["[y](missing.md)", "[z]", "&", "&amp;", "www.", "://", "\\", "<b>", "~", "@", "\t", "![i](a.png)"]
        var generator = SplitMix64(seed: 20261127)
        func pick(_ common: [String], _ rare: [String], rareOneIn: Int) -> String {
            Int.random(in: 0..<rareOneIn, using: &generator) == 0 ? rare.randomElement(using: &generator)! : common.randomElement(using: &generator)!
        }
        func line() -> String {
            var text = pick(starts, nearStarts, rareOneIn: 6)
            for _ in 0..<Int.random(in: 0...8, using: &generator) { text += pick(pieces, nearPieces, rareOneIn: 25) }
            return text
        }
        func table() -> String {
            let columns = Int.random(in: 1...3, using: &generator)
            func row(_ cell: () -> String) -> String {
                "|" + (0..<columns).map { _ in " " + cell() + " " }.joined(separator: "|") + (Bool.random(using: &generator) ? "|" : "")
            }
            var rows = [row { pieces.randomElement(using: &generator)! + "a" }]
            rows.append(row { [":-", "---", "-:", ":-:", "-"].randomElement(using: &generator)! })
            for _ in 0..<Int.random(in: 0...3, using: &generator) { rows.append(row { pick(pieces, nearPieces, rareOneIn: 25) }) }
            return rows.joined(separator: "\n")
        }
        var taken = 0
        let count = 20_000
        for _ in 0..<count {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0: lines.append("")
                case 1: lines.append(table())
                default: lines.append(line())
                }
            }
            if rendersAlike(lines.joined(separator: "\n")) { taken += 1 }
        }
        // The generator must reach the subset often, or this test would test nothing.
        #expect(taken > count / 6, "only \(taken) of \(count) documents in the subset")
    }

    /// The example site's pages without data blocks, each at its own path among the others:
    /// the subset takes most of them, and renders each as cmark-gfm does.
    @Test func theExampleSitesPagesRenderAlike() throws {
        let content = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../content").standardized
        let files = FileManager.default.enumerator(atPath: content.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".md") }
        var taken = 0
        for file in files {
            let text = try String(contentsOf: content.appendingPathComponent(file), encoding: .utf8)
            // The body after the front matter.
            let parts = text.components(separatedBy: "\n---\n")
            let body = parts.count > 1 ? parts.dropFirst().joined(separator: "\n---\n") : text
            if body.contains("{{") || body.contains("```") { continue }
            if rendersAlike(body, path: file, otherPages: files) { taken += 1 }
        }
        #expect(files.count > 50)
        #expect(taken > files.count / 2, "\(taken) of \(files.count) pages in the subset")
    }
}
