import CMarkArena
import CMarkGFM
import CMarkSharedSpecials
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// A heading of a rendered page, for its table of contents and deep links.
public struct Heading: Sendable, Equatable {
    public var level: Int
    public var text: String
    public var id: String
}

/// A fenced code block whose info string a later stage claims (` ```chart `, ` ```sql name `).
public struct FencedBlock: Sendable {
    /// The info string's words: `["sql", "top_agents"]`.
    public var info: [String]
    public var literal: String
    /// Line in the file of the opening fence.
    public var line: Int
    public var page: Page
}

/// What a fenced-block handler gives back: HTML to show (empty for a block that shows
/// nothing, like a named query), or an error.
public enum FencedBlockOutput: Sendable {
    case html(String)
    case failure(Diagnostic)
}

/// How a later stage takes part in rendering one page: data blocks and inline values.
public protocol MarkdownHooks: AnyObject {
    /// Claims a fenced block by returning its output, or leaves it as code with nil.
    func fencedBlock(_ block: FencedBlock) -> FencedBlockOutput?
    /// Rewrites a run of text (`{{ totals.units }}`); nil leaves it unchanged.
    func text(_ literal: String, line: Int, page: Page) -> Result<String, Diagnostic>?
}

/// The plain text under one heading (or before the first), for the search index.
public struct SectionText: Sendable, Equatable {
    /// The heading's id; empty for the text before the first heading.
    public var anchor: String
    public var heading: String
    /// The text as UTF-8, as the Markdown parser gave it: the search index reads bytes, and
    /// making a `String` would check every byte of the site once more.
    public var utf8: [UInt8]
    public var text: String {
        get { String(decoding: utf8, as: UTF8.self) }
        set { utf8 = Array(newValue.utf8) }
    }

    public init(anchor: String, heading: String, text: String) {
        self.init(anchor: anchor, heading: heading, utf8: Array(text.utf8))
    }

    public init(anchor: String, heading: String, utf8: [UInt8]) {
        self.anchor = anchor
        self.heading = heading
        self.utf8 = utf8
    }
}

public struct RenderedMarkdown: Sendable {
    /// The HTML as cmark-gfm wrote it, UTF-8: it goes into the page's template as it is.
    public var htmlBytes: [UInt8]
    public var html: String { String(decoding: htmlBytes, as: UTF8.self) }
    public var headings: [Heading]
    /// The page's text split at its headings.
    public var sections: [SectionText] = []
    /// Plain text of the first paragraph, a fallback summary.
    public var firstParagraph: String
    public var diagnostics: [Diagnostic]

    public init(html: String, headings: [Heading], sections: [SectionText] = [], firstParagraph: String, diagnostics: [Diagnostic]) {
        self.init(htmlBytes: Array(html.utf8), headings: headings, sections: sections, firstParagraph: firstParagraph, diagnostics: diagnostics)
    }

    public init(htmlBytes: [UInt8], headings: [Heading], sections: [SectionText] = [], firstParagraph: String, diagnostics: [Diagnostic]) {
        self.htmlBytes = htmlBytes
        self.headings = headings
        self.sections = sections
        self.firstParagraph = firstParagraph
        self.diagnostics = diagnostics
    }
}

/// GitHub-flavoured Markdown through cmark-gfm, with Deskbook's changes to the tree before
/// rendering: heading ids (Chinese kept), `.md` links resolved to page URLs, raw HTML shown
/// as text unless the site allows it, links and images with a `javascript:`, `vbscript:` or
/// `data:` URL dropped (in raw HTML too) unless the site allows the scheme, and fenced data
/// blocks handed to their handler.
public struct MarkdownRenderer: Sendable {
    public var unsafeHTML: Bool
    /// Blocked URL schemes the site lets through (`allow_url_schemes`).
    public var allowedURLSchemes: [String]

    /// Pages in `SimpleMarkdown`'s subset skip cmark-gfm (the same output, several times
    /// faster); false sends every page through cmark-gfm, for comparing the two.
    public var usesSimpleMarkdown: Bool

    public init(unsafeHTML: Bool = false, allowedURLSchemes: [String] = [], usesSimpleMarkdown: Bool = true) {
        self.unsafeHTML = unsafeHTML
        self.allowedURLSchemes = allowedURLSchemes
        self.usesSimpleMarkdown = usesSimpleMarkdown
    }

    static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]
    /// Markdown of up to this many bytes parses in an arena: a page's whole parse and render
    /// stays in memory until it is done, some thirty times the page's size.
    static let largestPageInArena = 1 << 20
    static let parsing = Mutex()
    /// True when cmark-gfm's calls to switch special characters off reach CMarkSharedSpecials:
    /// one document is parsed to see.
    static let parsersShareSpecials: Bool = {
        _ = registration
        guard let parser = cmark_parser_new(0) else { return false }
        defer { cmark_parser_free(parser) }
        if let syntax = cmark_find_syntax_extension("strikethrough") { cmark_parser_attach_syntax_extension(parser, syntax) }
        let before = cmark_shared_specials_refusals()
        cmark_parser_feed(parser, "~~a~~", 5)
        if let document = cmark_parser_finish(parser) { cmark_node_free(document) }
        return cmark_shared_specials_refusals() > before
    }()

    private static let registration: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()

    /// Renders `page`'s body, or `markdown` when given (the page's `markdownBytes()`).
    public func render(_ page: Page, markdown: [UInt8]? = nil, links: LinkResolver, hooks: MarkdownHooks? = nil) -> RenderedMarkdown {
        // Data blocks and inline values need the tree; so does anything outside the subset.
        if hooks == nil && usesSimpleMarkdown {
            let simple: RenderedMarkdown?
            if let markdown {
                simple = markdown.withUnsafeBufferPointer { SimpleMarkdown.render($0, page: page, links: links) }
            } else {
                var body = page.body
                simple = body.withUTF8 { SimpleMarkdown.render($0, page: page, links: links) }
            }
            if let simple { return simple }
        }
        _ = Self.registration
        let options = CMARK_OPT_FOOTNOTES | (unsafeHTML ? CMARK_OPT_UNSAFE : 0)
        // A page parses in its thread's arena (`CMarkArena`), given back whole when it is
        // rendered; a very large one with the system allocator, which reuses what the parser
        // frees as it goes.
        let size = markdown?.count ?? page.body.utf8.count
        let inArena = size <= Self.largestPageInArena
        guard let memory = inArena ? deskbook_arena_open() : cmark_get_default_mem_allocator(),
              let parser = cmark_parser_new_with_mem(options, memory) else { fatalError("cmark_parser_new failed") }
        defer {
            cmark_parser_free(parser)
            if inArena { deskbook_arena_close() }
        }
        for name in Self.extensionNames {
            if let syntax = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, syntax) }
        }
        // cmark-gfm switches its extensions' special characters on and off in one table shared
        // by all parsers, so two parses at once could lose `~~` or autolinks. CMarkSharedSpecials
        // keeps them switched on; should that not be in effect, parses take turns.
        let takeTurns = !Self.parsersShareSpecials
        if takeTurns { Self.parsing.lock() }
        func feed(_ buffer: UnsafeBufferPointer<UInt8>) {
            buffer.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
        }
        if let markdown {
            markdown.withUnsafeBufferPointer(feed)
        } else {
            var body = page.body
            body.withUTF8(feed)
        }
        let parsed = cmark_parser_finish(parser)
        if takeTurns { Self.parsing.unlock() }
        guard let document = parsed else { fatalError("cmark_parser_finish failed") }
        defer { cmark_node_free(document) }
        if hooks != nil { cmark_consolidate_text_nodes(document) }

        var state = TreeEdit(page: page, links: links, memory: memory)
        state.collect(document)
        state.apply(unsafeHTML: unsafeHTML, allowedURLSchemes: allowedURLSchemes, hooks: hooks)

        let sections = sectionTexts(document, headings: state.headings)
        let extensions = cmark_parser_get_syntax_extensions(parser)
        guard let rendered = cmark_render_html(document, options, extensions) else { fatalError("cmark_render_html failed") }
        defer { memory.pointee.free(rendered) }
        let html = [UInt8](UnsafeRawBufferPointer(start: rendered, count: strlen(rendered)))
        return RenderedMarkdown(htmlBytes: html, headings: state.headings, sections: sections,
                                firstParagraph: state.firstParagraph, diagnostics: state.diagnostics)
    }
}

/// One pass that finds the nodes to change, then a second that changes them: cmark's
/// iterator must not see the tree change under it.
private struct TreeEdit {
    let page: Page
    let links: LinkResolver
    /// The allocator the document was parsed with; new nodes must come from it too.
    let memory: UnsafeMutablePointer<cmark_mem>
    var headingNodes: [OpaquePointer] = []
    var linkNodes: [OpaquePointer] = []
    var rawHTMLNodes: [OpaquePointer] = []
    var codeBlocks: [OpaquePointer] = []
    var textNodes: [OpaquePointer] = []
    var headings: [Heading] = []
    var firstParagraphNode: OpaquePointer?
    var firstParagraph = ""
    var diagnostics: [Diagnostic] = []

    init(page: Page, links: LinkResolver, memory: UnsafeMutablePointer<cmark_mem>) {
        self.page = page
        self.links = links
        self.memory = memory
    }

    mutating func collect(_ document: OpaquePointer) {
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        var sawParagraph = false
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            switch cmark_node_get_type(node) {
            case CMARK_NODE_HEADING: headingNodes.append(node)
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE: linkNodes.append(node)
            case CMARK_NODE_HTML_BLOCK, CMARK_NODE_HTML_INLINE: rawHTMLNodes.append(node)
            case CMARK_NODE_CODE_BLOCK: codeBlocks.append(node)
            case CMARK_NODE_TEXT: textNodes.append(node)
            case CMARK_NODE_PARAGRAPH where !sawParagraph && cmark_node_get_type(cmark_node_parent(node)) == CMARK_NODE_DOCUMENT:
                sawParagraph = true
                firstParagraphNode = node
            default: break
            }
        }
    }

    mutating func apply(unsafeHTML: Bool, allowedURLSchemes: [String], hooks: MarkdownHooks?) {
        // Inline values first, so headings and their ids see the values, not `{{ … }}`.
        if let hooks {
            for node in textNodes {
                // Look for `{{` in C before making a Swift string of every run of text.
                guard let raw = cmark_node_get_literal(node), strstr(raw, "{{") != nil else { continue }
                let literal = String(cString: raw)
                switch hooks.text(literal, line: position(of: node).0, page: page) {
                case nil: break
                case .success(let text): cmark_node_set_literal(node, text)
                case .failure(let diagnostic): diagnostics.append(diagnostic)
                }
            }
        }
        // The fallback summary reads the values too, not `{{ … }}`.
        firstParagraph = firstParagraphNode.map(plainText) ?? ""
        var ids = Slug.Deduplicator()
        for node in headingNodes {
            let level = Int(cmark_node_get_heading_level(node))
            let text = plainText(node)
            let id = ids.unique(Slug.make(text))
            headings.append(Heading(level: level, text: text, id: id))
            // An empty inline carrying the id keeps cmark's own rendering of the heading text.
            // A span, not a link: an empty link would be a tab stop that says nothing.
            let anchor = newNode(CMARK_NODE_CUSTOM_INLINE)
            cmark_node_set_on_enter(anchor, "<span class=\"anchor\" id=\"\(Escape.html(id))\"></span>")
            cmark_node_set_on_exit(anchor, "")
            cmark_node_prepend_child(node, anchor)
        }
        let directory = page.sourceDirectory
        for node in linkNodes {
            let destination = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
            if let scheme = URLSafety.blockedScheme(destination, allowed: allowedURLSchemes) {
                let isImage = cmark_node_get_type(node) == CMARK_NODE_IMAGE
                let (line, column) = position(of: node)
                diagnostics.append(.warning(page.diagnosticPath, line: line, column: column,
                                            "\(isImage ? "image" : "link") with a \(scheme): URL removed (its text is kept); "
                                            + "list \(scheme) under allow_url_schemes in deskbook.yaml to keep such URLs"))
                dropKeepingText(node)
                continue
            }
            switch links.resolve(destination, fromDirectory: directory) {
            case .unchanged: break
            case .resolved(let url): cmark_node_set_url(node, url)
            case .hidden: dropKeepingText(node)
            case .broken(let reason):
                let isImage = cmark_node_get_type(node) == CMARK_NODE_IMAGE
                let (line, column) = position(of: node)
                diagnostics.append(.warning(page.diagnosticPath, line: line, column: column,
                                            "broken \(isImage ? "image" : "link") '\(destination)': \(reason)"))
            }
        }
        if !unsafeHTML {
            for node in rawHTMLNodes { showAsText(node) }
        } else {
            // Allowed raw HTML still loses event handlers and blocked URL schemes.
            for node in rawHTMLNodes {
                guard let raw = cmark_node_get_literal(node) else { continue }
                let (html, removed) = URLSafety.filterRawHTML(String(cString: raw), allowed: allowedURLSchemes)
                guard !removed.isEmpty else { continue }
                cmark_node_set_literal(node, html)
                let (line, column) = position(of: node)
                diagnostics.append(.warning(page.diagnosticPath, line: line, column: column,
                                            "raw HTML: removed \(removed.joined(separator: ", ")); scripts come only from the theme"))
            }
        }
        if let hooks {
            for node in codeBlocks where isFenced(node) {
                let info = cmark_node_get_fence_info(node).map { String(cString: $0) } ?? ""
                let words = info.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard !words.isEmpty else { continue }
                let block = FencedBlock(info: words, literal: cmark_node_get_literal(node).map { String(cString: $0) } ?? "",
                                        line: page.bodyLineOffset + Int(cmark_node_get_start_line(node)), page: page)
                switch hooks.fencedBlock(block) {
                case nil: continue
                case .html(let html):
                    let replacement = newNode(CMARK_NODE_CUSTOM_BLOCK)
                    cmark_node_set_on_enter(replacement, html)
                    cmark_node_set_on_exit(replacement, "")
                    cmark_node_replace(node, replacement)
                    cmark_node_free(node)
                case .failure(let diagnostic):
                    diagnostics.append(diagnostic)
                }
            }
        }
    }

    /// cmark writes through all three pointers, so none may be nil.
    private func isFenced(_ node: OpaquePointer) -> Bool {
        var length: Int32 = 0
        var offset: Int32 = 0
        var character: CChar = 0
        return cmark_node_get_fenced(node, &length, &offset, &character) != 0
    }

    /// A node for the tree, from the document's allocator: cmark-gfm links only nodes of one
    /// allocator together (see `MarkdownRenderer.largestPageInArena`).
    private func newNode(_ type: cmark_node_type) -> OpaquePointer? {
        cmark_node_new_with_mem(type, memory)
    }

    /// A link becomes its text; an image becomes its description.
    private func dropKeepingText(_ node: OpaquePointer) {
        if cmark_node_get_type(node) == CMARK_NODE_IMAGE {
            let text = newNode(CMARK_NODE_TEXT)
            cmark_node_set_literal(text, plainText(node))
            cmark_node_replace(node, text)
        } else {
            while let child = cmark_node_first_child(node) { cmark_node_insert_before(node, child) }
            cmark_node_unlink(node)
        }
        cmark_node_free(node)
    }

    /// Raw HTML becomes a text node, so `<script>` is shown, escaped, and nothing is lost.
    private func showAsText(_ node: OpaquePointer) {
        var literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
        let isBlock = cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK
        if isBlock { while literal.hasSuffix("\n") { literal.removeLast() } }
        let text = newNode(CMARK_NODE_TEXT)
        cmark_node_set_literal(text, literal)
        if isBlock {
            let paragraph = newNode(CMARK_NODE_PARAGRAPH)
            cmark_node_append_child(paragraph, text)
            cmark_node_replace(node, paragraph)
        } else {
            cmark_node_replace(node, text)
        }
        cmark_node_free(node)
    }

    /// File line and column of a node; inline nodes without a position take their block's.
    private func position(of node: OpaquePointer) -> (Int, Int) {
        var current: OpaquePointer? = node
        while let candidate = current {
            let line = Int(cmark_node_get_start_line(candidate))
            if line > 0 { return (page.bodyLineOffset + line, Int(cmark_node_get_start_column(candidate))) }
            current = cmark_node_parent(candidate)
        }
        return (page.bodyLineOffset + 1, 1)
    }
}

/// The document's text split at its headings (in document order, as `headings` are).
func sectionTexts(_ document: OpaquePointer, headings: [Heading]) -> [SectionText] {
    var sections = [SectionText(anchor: "", heading: "", text: "")]
    var headingIndex = 0
    var inHeading = false
    var text: [UInt8] = []
    let iterator = cmark_iter_new(document)
    defer { cmark_iter_free(iterator) }
    func close() {
        sections[sections.count - 1].utf8 = text
        text.removeAll(keepingCapacity: true)
    }
    while true {
        let event = cmark_iter_next(iterator)
        if event == CMARK_EVENT_DONE { break }
        guard let node = cmark_iter_get_node(iterator) else { continue }
        let type = cmark_node_get_type(node)
        if type == CMARK_NODE_HEADING {
            inHeading = event == CMARK_EVENT_ENTER
            if inHeading {
                close()
                let heading = headingIndex < headings.count ? headings[headingIndex] : Heading(level: 2, text: "", id: "")
                headingIndex += 1
                sections.append(SectionText(anchor: heading.id, heading: heading.text, text: ""))
            }
            continue
        }
        if inHeading { continue }
        switch type {
        case CMARK_NODE_TEXT, CMARK_NODE_CODE, CMARK_NODE_CODE_BLOCK:
            var length: Int32 = 0
            if event == CMARK_EVENT_ENTER, let literal = deskbook_node_literal(node, &length) {
                text.append(contentsOf: UnsafeBufferPointer(start: literal, count: Int(length)))
                if type == CMARK_NODE_CODE_BLOCK { text.append(UInt8(ascii: " ")) }
            }
        case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
            text.append(UInt8(ascii: " "))
        case CMARK_NODE_PARAGRAPH, CMARK_NODE_ITEM:
            if event == CMARK_EVENT_EXIT { text.append(UInt8(ascii: " ")) }
        default:
            break
        }
    }
    close()
    if sections.first?.utf8.isEmpty == true && sections.count > 1 { sections.removeFirst() }
    return sections
}

/// The text of a node and everything under it, without markup.
func plainText(_ node: OpaquePointer) -> String {
    var text = ""
    let iterator = cmark_iter_new(node)
    defer { cmark_iter_free(iterator) }
    while true {
        let event = cmark_iter_next(iterator)
        if event == CMARK_EVENT_DONE { break }
        guard event == CMARK_EVENT_ENTER, let child = cmark_iter_get_node(iterator) else { continue }
        switch cmark_node_get_type(child) {
        case CMARK_NODE_TEXT, CMARK_NODE_CODE:
            var length: Int32 = 0
            if let literal = deskbook_node_literal(child, &length) {
                text += String(decoding: UnsafeBufferPointer(start: literal, count: Int(length)), as: UTF8.self)
            }
        case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
            text += " "
        default: break
        }
    }
    return text
}
