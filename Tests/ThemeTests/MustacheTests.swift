import DeskbookSupport
import Testing
@testable import Theme

/// The template language, rendered as a theme uses it.
@Suite struct MustacheTests {
    func render(_ templates: [String: String], _ name: String = "main", context: TemplateMap) throws -> String {
        var compiled: [String: MustacheTemplate] = [:]
        for (name, text) in templates { compiled[name] = try MustacheTemplate(text) }
        return String(decoding: MustacheRenderer(templates: compiled).render(name, context: context), as: UTF8.self)
    }

    /// Made HTML goes in as it is with `{{{ }}}`, and escaped with `{{ }}`, like any text, also
    /// inside an indented partial.
    @Test func madeHTMLIsInsertedAsItIsOrEscaped() throws {
        let context: TemplateMap = ["content": .html(HTMLBytes(Array("<p>首期 & 貸款</p>\n<p>二</p>".utf8)))]
        #expect(try render(["main": "{{{content}}}|{{content}}"], context: context)
                == "<p>首期 & 貸款</p>\n<p>二</p>|&lt;p&gt;首期 &amp; 貸款&lt;/p&gt;\n&lt;p&gt;二&lt;/p&gt;")
        #expect(try render(["main": "<main>\n  {{> body}}\n</main>", "body": "{{{content}}}\n"], context: context)
                == "<main>\n  <p>首期 & 貸款</p>\n  <p>二</p>\n</main>")
    }

    @Test func variablesAreEscapedUnlessTripleBraced() throws {
        let context: TemplateMap = ["title": "<b>房貸</b> & \"利率\"", "count": 3, "on": true]
        #expect(try render(["main": "{{title}}|{{{title}}}|{{& title}}|{{count}}|{{on}}|{{missing}}"], context: context)
                == "&lt;b&gt;房貸&lt;/b&gt; &amp; &quot;利率&quot;|<b>房貸</b> & \"利率\"|<b>房貸</b> & \"利率\"|3|true|")
    }

    @Test func sectionsIterateListsEnterMapsAndTestFlags() throws {
        let context: TemplateMap = [
            "pages": [["title": "甲"], ["title": "乙"]], "none": [],
            "page": ["title": "首頁", "date": ["text": "3月14日"]], "yes": true, "no": false, "site": "內網",
        ]
        let template = "{{#pages}}<li>{{title}} {{site}}</li>{{/pages}}{{^none}}空{{/none}}{{#page}}{{title}}/{{date.text}}{{/page}}"
            + "{{#yes}}是{{/yes}}{{#no}}否{{/no}}{{^no}}非{{/no}}{{#page.title}}[{{.}}]{{/page.title}}"
        #expect(try render(["main": template], context: context) == "<li>甲 內網</li><li>乙 內網</li>空首頁/3月14日是非[首頁]")
    }

    @Test func aChildTemplateFillsItsParentsBlocks() throws {
        let templates = [
            "baseof": "<title>{{$title}}預設{{/title}}</title>\n<main>\n{{$main}}{{/main}}\n</main>\n{{> footer}}",
            "footer": "<footer>{{site}}</footer>\n",
            "main": "{{<baseof}}{{$main}}\n<p>{{text}}</p>\n{{/main}}{{/baseof}}\n",
        ]
        #expect(try render(templates, context: ["text": "內容", "site": "內網"])
                == "<title>預設</title>\n<main>\n<p>內容</p>\n\n</main>\n<footer>內網</footer>\n")
    }

    /// Through several parents the outermost template's block wins, a parent's own blocks
    /// fill what the child leaves, and a partial used inside a block can name a parent of its
    /// own with blocks of the same kind.
    @Test func theOutermostTemplatesBlocksWinThroughSeveralParents() throws {
        let templates = [
            "base": "<h1>{{$title}}基{{/title}}</h1>{{$body}}空{{/body}}{{$foot}}腳{{/foot}}",
            "section": "{{<base}}{{$title}}節{{/title}}{{$body}}[{{$inner}}內{{/inner}}]{{/body}}{{/base}}",
            "main": "{{<section}}{{$title}}頁{{/title}}{{$inner}}{{> card}}{{/inner}}{{/section}}",
            "card": "{{<box}}{{$content}}{{text}}{{/content}}{{/box}}",
            "box": "<div>{{$content}}{{/content}}</div>",
        ]
        #expect(try render(templates, context: ["text": "卡"]) == "<h1>頁</h1>[<div>卡</div>]腳")
        #expect(try render(templates, "section", context: [:]) == "<h1>節</h1>[內]腳")
    }

    @Test func tagsAloneOnTheirLineLeaveNoBlankLine() throws {
        let template = "<ul>\n{{#items}}\n  <li>{{.}}</li>\n{{/items}}\n{{! a note }}\n</ul>\n"
        #expect(try render(["main": template], context: ["items": ["a", "b"]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")
    }

    /// A list shown as text is its items joined by commas, as in JavaScript Mustache; a name
    /// set twice keeps the later value, and one set to nil is gone.
    @Test func listsShowAsTextAndNamesKeepTheirLastValue() throws {
        var context: TemplateMap = ["tags": ["按揭", 3, true], "title": "舊"]
        context["title"] = "新"
        context["gone"] = "x"
        context["gone"] = nil
        #expect(context.count == 2)
        #expect(try render(["main": "{{tags}}|{{title}}|{{gone}}{{^gone}}無{{/gone}}"], context: context) == "按揭,3,true|新|無")
    }

    /// A name is found in the innermost map that has it, so an item's own `title` wins over
    /// the page's; names it lacks come from the maps around it.
    @Test func namesResolveInTheInnermostMapThatHasThem() throws {
        let context: TemplateMap = ["title": "頁", "site": "內網", "items": [["title": "項"], ["url": "/a/"]]]
        #expect(try render(["main": "{{#items}}[{{title}} {{site}} {{url}}]{{/items}}"], context: context) == "[項 內網 ][頁 內網 /a/]")
    }

    @Test func mistakesAreReportedWithTheirLine() {
        #expect(throws: MustacheTemplate.ParseError.self) { try MustacheTemplate("<h1>\n{{#page}}\n") }
        do {
            _ = try MustacheTemplate("a\nb {{/page}}")
            Issue.record("a stray close tag was accepted")
        } catch {
            #expect(error.line == 2 && error.column == 3 && error.message.contains("closes nothing"))
        }
    }
}
