import DeskbookSupport
import Testing
@testable import Content

/// Renders `body` as the page `content/faq/loans/a.md` of a small site.
func render(_ body: String, unsafeHTML: Bool = false, allowedURLSchemes: [String] = [], otherPages: [String] = ["faq/loans/rate.md", "faq/_index.md"],
            staticFiles: [String] = []) -> RenderedMarkdown {
    let (page, links) = smallSite(body, otherPages: otherPages, staticFiles: staticFiles)
    return MarkdownRenderer(unsafeHTML: unsafeHTML, allowedURLSchemes: allowedURLSchemes).render(page, links: links)
}

/// `body` as the page `content/faq/loans/a.md` (or `path`) of a small site, and the site's
/// links.
func smallSite(_ body: String, path: String = "faq/loans/a.md", otherPages: [String] = ["faq/loans/rate.md", "faq/_index.md"],
               staticFiles: [String] = []) -> (Page, LinkResolver) {
    let page = Page(kind: .page, sourcePath: path, frontMatter: FrontMatter(), body: body, bodyLineOffset: 4,
                    urlPath: String(path.dropLast(3)) + "/", sectionPath: FileSystem.parentPath(path), bundleDirectory: nil)
    var pages = [page]
    for path in otherPages where path != page.sourcePath {
        let isSection = path.hasSuffix("_index.md")
        let directory = FileSystem.parentPath(path)
        let url = isSection ? directory + "/" : String(path.dropLast(3)) + "/"
        pages.append(Page(kind: isSection ? .section : .page, sourcePath: path, frontMatter: FrontMatter(), body: "",
                          bodyLineOffset: 0, urlPath: url, sectionPath: "", bundleDirectory: nil))
    }
    let links = LinkResolver(pages: pages, staticFiles: staticFiles.map { ($0, $0) }, extraOutputs: ["tags/"],
                             basePath: "/site-a/")
    return (page, links)
}

@Suite struct MarkdownRendererTests {
    @Test func rendersGitHubFlavouredMarkdown() {
        let html = render("""
        | 階段 | 比例 |
        | --- | ---: |
        | 訂金 | 10% |

        ~~舊價~~ 新價，見 https://example.com/x

        - [x] 已繳訂金
        - [ ] 已簽約

        備註[^1]

        [^1]: 以銀行核貸為準。
        """).html
        #expect(html.contains("<table>"))
        #expect(html.contains("<td align=\"right\">10%</td>"))
        #expect(html.contains("<del>舊價</del>"))
        #expect(html.contains("<a href=\"https://example.com/x\">"))
        #expect(html.contains("type=\"checkbox\""))
        #expect(html.contains("class=\"footnotes\""))
    }

    /// A page parses in its thread's arena; one over the arena's limit with the system
    /// allocator. Both edit the tree alike (heading anchors, links, raw HTML as text, images
    /// without a page) and render the same HTML for the same text, page after page.
    /// Links from the site's root, the plain ones the resolver takes without decoding, and
    /// the others it decodes and checks.
    @Test func rootRelativeLinksResolveToTheirOutputs() {
        let (_, links) = smallSite("")
        let cases: [(String, LinkResolver.Resolution)] = [
            ("/faq/loans/rate/", .resolved("/site-a/faq/loans/rate/")),
            ("/faq/loans/rate", .resolved("/site-a/faq/loans/rate/")),
            ("/faq/loans/rate/#利率", .resolved("/site-a/faq/loans/rate/#利率")),
            ("/faq/loans/rate/?q=1", .resolved("/site-a/faq/loans/rate/?q=1")),
            ("/faq/loans/%72ate/", .resolved("/site-a/faq/loans/rate/")),
            ("/", .resolved("/site-a/")),
            ("/tags/", .resolved("/site-a/tags/")),
            ("//example.com/faq/", .unchanged),
            ("/faq//loans/rate/", .broken("no page or file at /faq//loans/rate/")),
            ("/faq/nope/", .broken("no page or file at /faq/nope/")),
        ]
        for (destination, expected) in cases {
            #expect(links.resolve(destination, fromDirectory: "faq/loans") == expected, "\(destination)")
        }
    }

    @Test func pagesInAndOutOfTheArenaRenderAlike() {
        let text = "## 首期款\n\n見[利率](rate.md)與 <b>注意</b>，![圖](missing.png)\n\n| 階段 | 比例 |\n| --- | --- |\n| 訂金 | 10% |\n\n"
        let padding = String(repeating: "填充段落。\n\n", count: MarkdownRenderer.largestPageInArena / 10)
        let small = render(text)
        let large = render(text + padding)
        #expect(small.html.contains("id=\"首期款\""))
        #expect(small.html.contains("&lt;b&gt;"))
        #expect(large.html.hasPrefix(small.html))
        #expect(large.headings == small.headings)
        #expect(render(text).html == small.html)
    }

    /// A hook may render Markdown of its own while the page's is open in the same thread's
    /// arena: the page's tree must outlive the inner render.
    @Test func aHookThatRendersMarkdownLeavesThePageIntact() {
        final class NestedMarkdown: MarkdownHooks {
            func fencedBlock(_ block: FencedBlock) -> FencedBlockOutput? {
                block.info.first == "note" ? .html(render("### 內文\n\n" + block.literal).html) : nil
            }
            func text(_ literal: String, line: Int, page: Page) -> Result<String, Diagnostic>? { nil }
        }
        let body = "## 首期款\n\n```note\n**注意**利率\n```\n\n## 尾款\n\n見[利率](rate.md)。\n"
        let page = Page(kind: .page, sourcePath: "faq/loans/a.md", frontMatter: FrontMatter(), body: body,
                        bodyLineOffset: 0, urlPath: "faq/loans/a/", sectionPath: "faq/loans", bundleDirectory: nil)
        let rate = Page(kind: .page, sourcePath: "faq/loans/rate.md", frontMatter: FrontMatter(), body: "",
                        bodyLineOffset: 0, urlPath: "faq/loans/rate/", sectionPath: "faq/loans", bundleDirectory: nil)
        let links = LinkResolver(pages: [page, rate], staticFiles: [], extraOutputs: [], basePath: "/")
        let html = MarkdownRenderer().render(page, links: links, hooks: NestedMarkdown()).html
        #expect(html.contains("<strong>注意</strong>利率"))
        #expect(html.contains("id=\"內文\""))
        #expect(html.contains("id=\"首期款\""))
        #expect(html.contains("id=\"尾款\""))
        #expect(html.contains("href=\"/faq/loans/rate/\""))
    }

    @Test func rawHTMLIsShownAsTextByDefault() {
        let html = render("<script>alert(1)</script>\n\n文字 <b onclick=x>粗</b>").html
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;b onclick=x&gt;"))
    }

    @Test func unsafeHTMLPassesRawHTMLButTagfilterStillDisarmsScript() {
        let html = render("<div class=\"note\">注意</div>\n\n<script>x</script>\n", unsafeHTML: true).html
        #expect(html.contains("<div class=\"note\">注意</div>"))
        #expect(!html.contains("<script>"))
    }

    @Test func chineseHeadingsGetIDsAndAreCollected() {
        let rendered = render("## 貸款利率\n\n### 說明\n\n## 說明\n")
        #expect(rendered.headings.map(\.id) == ["貸款利率", "說明", "說明-1"])
        #expect(rendered.html.contains("<h2><span class=\"anchor\" id=\"貸款利率\"></span>貸款利率</h2>"))
        // No empty link in a heading: keyboard users would stop on it and hear nothing.
        #expect(!rendered.html.contains("<a class=\"anchor\""))
    }

    @Test func relativeMarkdownLinksBecomePageURLsUnderTheBasePath() {
        let rendered = render("[利率](rate.md#寬限期) [常見問題](../_index.md) [同頁](#x) [外部](https://bank.example/)")
        // cmark percent-encodes the fragment; browsers match it to id="寬限期" either way.
        #expect(rendered.html.contains("href=\"/site-a/faq/loans/rate/#%E5%AF%AC%E9%99%90%E6%9C%9F\""))
        #expect(rendered.html.contains("href=\"/site-a/faq/\""))
        #expect(rendered.html.contains("href=\"#x\""))
        #expect(rendered.html.contains("href=\"https://bank.example/\""))
        #expect(rendered.diagnostics.isEmpty)
    }

    @Test func rootRelativeLinksAreCheckedAndPrefixed() {
        let rendered = render("[標籤](/tags/) [沒有](/nowhere/)")
        #expect(rendered.html.contains("href=\"/site-a/tags/\""))
        #expect(rendered.diagnostics.count == 1)
        #expect(rendered.diagnostics.first?.message.contains("/nowhere/") == true)
    }

    @Test func brokenLinksAndImagesAreWarningsWithFileLineAndColumn() throws {
        let rendered = render("第一行\n\n見 [說明](missing.md) 與 ![圖](photo.png)\n")
        #expect(rendered.diagnostics.count == 2)
        let link = try #require(rendered.diagnostics.first)
        #expect(link.severity == .warning)
        #expect(link.description.hasPrefix("content/faq/loans/a.md:7:"))
        #expect(link.message.contains("broken link 'missing.md'"))
        #expect(rendered.diagnostics[1].message.contains("broken image 'photo.png'"))
    }

    @Test func imagesBesideThePageResolve() {
        let rendered = render("![平面圖](plan.png)", staticFiles: ["faq/loans/plan.png"])
        #expect(rendered.html.contains("src=\"/site-a/faq/loans/plan.png\""))
        #expect(rendered.diagnostics.isEmpty)
    }

    @Test func theFirstParagraphIsKeptAsPlainText() {
        #expect(render("# 標題\n\n首購**可以**申請。\n\n第二段").firstParagraph == "首購可以申請。")
    }

    @Test func fencedBlocksCanBeClaimedByAHandler() {
        let page = Page(kind: .page, sourcePath: "a.md", frontMatter: FrontMatter(), body: "前\n\n```kpi\nvalue: 1\n```\n\n```text\nplain\n```\n",
                        bodyLineOffset: 3, urlPath: "a/", sectionPath: "", bundleDirectory: nil)
        let links = LinkResolver(pages: [page], staticFiles: [], extraOutputs: [], basePath: "/")
        final class KPIHooks: MarkdownHooks {
            func fencedBlock(_ block: FencedBlock) -> FencedBlockOutput? {
                block.info.first == "kpi" ? .html("<div class=\"kpi\">line \(block.line)</div>") : nil
            }
            func text(_ literal: String, line: Int, page: Page) -> Result<String, Diagnostic>? { nil }
        }
        let html = MarkdownRenderer().render(page, links: links, hooks: KPIHooks()).html
        #expect(html.contains("<div class=\"kpi\">line 6</div>"))
        #expect(html.contains("<code class=\"language-text\">plain"))
    }
}

@Suite struct ParallelRenderingTests {
    /// cmark-gfm keeps its extensions' special characters in one global table; pages rendered
    /// on several cores at once must still all get their strikethrough and autolinks.
    @Test func pagesRenderedAtOnceKeepTheirExtensions() {
        let pages = (0..<3000).map { index in
            Page(kind: .page, sourcePath: "p\(index).md", frontMatter: FrontMatter(),
                 body: "| a | b |\n| - | - |\n| ~~舊~~ | \(index) |\n\n~~舊價~~ 見 www.example.com/\(index)\n",
                 bodyLineOffset: 0, urlPath: "p\(index)/", sectionPath: "", bundleDirectory: nil)
        }
        let links = LinkResolver(pages: pages, staticFiles: [], extraOutputs: [], basePath: "/")
        let renderer = MarkdownRenderer()
        let html = parallelMap(pages) { renderer.render($0, links: links).html }
        let broken = html.filter { !$0.contains("<del>舊價</del>") || !$0.contains("<a href=\"http://www.example.com/") || !$0.contains("<td><del>舊</del></td>") }
        #expect(broken.count == 0, "pages lost an extension")
    }

    /// Parsing runs on every core only while cmark-gfm's switch of special characters is
    /// overridden; without it, parses would take turns (correct, but slower).
    @Test func parsesRunAtOnce() {
        #expect(MarkdownRenderer.parsersShareSpecials)
    }
}
