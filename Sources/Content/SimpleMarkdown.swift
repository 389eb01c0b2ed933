import CMarkArena
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// Markdown that uses only the common constructs — ATX headings, paragraphs, tight lists of
/// one line per item, GFM tables, fenced code, `*` and `_` emphasis, code spans and inline
/// links — rendered in one pass over its bytes, byte for byte as `MarkdownRenderer` renders
/// it through cmark-gfm, with the same headings, section texts and first paragraph.
///
/// Most pages of a knowledge base are written this way, and parsing them into cmark-gfm's
/// tree, walking the tree three times and writing it out takes most of a build's Markdown
/// time. Anything outside the subset, or anything that would need a warning (a broken link),
/// makes `render` return nil at once, and the page goes through cmark-gfm: so the subset can
/// stay small and exact. `SimpleMarkdownTests` compares both renderers on every construct
/// and on random documents.
struct SimpleMarkdown {
    /// nil when `source` is outside the subset.
    static func render(_ source: UnsafeBufferPointer<UInt8>, page: Page, links: LinkResolver) -> RenderedMarkdown? {
        var renderer = SimpleMarkdown(source: source, page: page, links: links)
        guard renderer.renderBlocks() else { return nil }
        renderer.closeSection()
        var sections = renderer.sections
        if sections.first?.utf8.isEmpty == true && sections.count > 1 { sections.removeFirst() }
        return RenderedMarkdown(htmlBytes: renderer.html, headings: renderer.headings, sections: sections,
                                firstParagraph: renderer.firstParagraph ?? "", diagnostics: [])
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let page: Page
    private let links: LinkResolver
    /// Where the page's relative links start from, once per page rather than per link.
    private lazy var sourceDirectory = page.sourceDirectory
    private var html: [UInt8] = []
    private var headings: [Heading] = []
    private var ids = Slug.Deduplicator()
    private var sections = [SectionText(anchor: "", heading: "", utf8: [])]
    /// The text of the section being written, as `sectionTexts` gathers it from the tree.
    private var sectionText: [UInt8] = []
    private var firstParagraph: String?
    /// The inlines of the block being written, and its emphasis delimiters and their matches.
    private var inlines: [Inline] = []
    private var delimiters: [Delimiter] = []
    private var matches: [Match] = []
    /// Link destinations as they are written, which `Inline.linkStart` ranges point into.
    private var urls: [UInt8] = []
    /// Whether the block's text holds a byte HTML needs as an entity (`" & >`); most do not,
    /// and are copied as they are.
    private var textNeedsEscape = false
    /// What cmark-gfm's search for closing backticks remembers within a block
    /// (`scan_to_closing_backticks`): where it last passed a run of each length up to
    /// `longestBacktickRun`, and whether a search went on to the block's end. A later search
    /// trusts these and gives up early, sometimes on a run a later search moved the memory
    /// past, which leaves a code span cmark-gfm would otherwise find as text; so must this.
    private var backtickRuns = [Int](repeating: 0, count: longestBacktickRun + 1)
    private var searchedToTheEnd = false
    /// Whether a search of this block wrote into `backtickRuns` (most blocks have no code).
    private var backtickRunsWritten = false
    /// Runs of more backticks open no code span in cmark-gfm (`MAXBACKTICKS`).
    private static let longestBacktickRun = 80

    private init(source: UnsafeBufferPointer<UInt8>, page: Page, links: LinkResolver) {
        bytes = source
        self.page = page
        self.links = links
        html.reserveCapacity(source.count + source.count / 4 + 256)
        sectionText.reserveCapacity(source.count)
    }

    // MARK: Blocks

    /// The block a line may continue.
    private enum OpenBlock: Equatable {
        case none
        /// From the first line's start; the lines are contiguous in the source.
        case paragraph(start: Int)
        case bulletList(marker: UInt8)
        case orderedList
        case table(alignments: [UInt8], rows: Int)
        /// A fenced code block: its fence, its info string and where its first line starts.
        case code(marker: UInt8, fence: Int, info: Range<Int>, content: Int)
    }

    /// What a line starts, told from its first bytes.
    private enum LineKind {
        case blank
        case heading(level: Int)
        case bulletItem(marker: UInt8, content: Int)
        case orderedItem(number: Int, content: Int)
        case tableRow
        case fence(marker: UInt8, length: Int, info: Range<Int>)
        case text
        /// Something outside the subset: a block quote, HTML, an indented or a setext line…
        case unsupported
    }

    private var open = OpenBlock.none
    /// The end of the open paragraph's last line.
    private var paragraphEnd = 0
    /// The marker of a list a blank line closed: an item of the same kind after it would make
    /// that list loose, which the subset leaves to cmark-gfm.
    private var listBeforeBlank: UInt8 = 0

    private mutating func renderBlocks() -> Bool {
        let count = bytes.count
        // A byte-order mark, which cmark-gfm skips.
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { return false }
        // NUL bytes and carriage returns, which cmark-gfm replaces, wherever they stand: no
        // later step looks for them.
        if count > 0, memchr(bytes.baseAddress!, 0, count) != nil || memchr(bytes.baseAddress!, Int32(UInt8(ascii: "\r")), count) != nil {
            return false
        }
        var start = 0
        while start < count {
            let end = lineEnd(from: start)
            guard renderLine(start, end) else { return false }
            start = end + 1
        }
        return closeBlock()
    }

    private func lineEnd(from start: Int) -> Int {
        let base = bytes.baseAddress! + start
        guard let found = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count - start) else { return bytes.count }
        return start + (UnsafeRawPointer(found) - UnsafeRawPointer(base))
    }

    private mutating func renderLine(_ start: Int, _ end: Int) -> Bool {
        if case .code(let marker, let fence, let info, let content) = open {
            guard closesFence(start, end, marker: marker, length: fence) else { return true }
            open = .none
            return renderCode(info: info, content..<start)
        }
        let kind = lineKind(start, end)
        let wasBlankBefore = listBeforeBlank
        if case .blank = kind {} else { listBeforeBlank = 0 }
        switch kind {
        case .blank:
            if case .bulletList(let marker) = open { listBeforeBlank = marker }
            if case .orderedList = open { listBeforeBlank = UInt8(ascii: ".") }
            return closeBlock()
        case .unsupported:
            return false
        case .heading(let level):
            guard closeBlock() else { return false }
            return renderHeading(level: level, start + level + 1, end)
        case .text:
            switch open {
            case .paragraph:
                paragraphEnd = end
                return true
            case .none:
                open = .paragraph(start: start)
                paragraphEnd = end
                return true
            default: return false  // a lazy continuation of a list item or a row without a pipe
            }
        case .bulletItem(let marker, let content):
            guard case .text = lineKind(content, end) else { return false }
            if open != .bulletList(marker: marker) {
                if case .table = open { return false }
                if wasBlankBefore == marker { return false }
                guard closeBlock() else { return false }
                html.append(markup: "<ul>\n")
                open = .bulletList(marker: marker)
            }
            return renderItem(content, end)
        case .orderedItem(let number, let content):
            guard case .text = lineKind(content, end) else { return false }
            if open != .orderedList {
                switch open {
                case .table: return false
                case .paragraph: if number != 1 { return false }
                default: break
                }
                if wasBlankBefore == UInt8(ascii: ".") { return false }
                guard closeBlock() else { return false }
                if number == 1 {
                    html.append(markup: "<ol>\n")
                } else {
                    html.append(contentsOf: "<ol start=\"\(number)\">\n".utf8)
                }
                open = .orderedList
            }
            return renderItem(content, end)
        case .fence(let marker, let length, let info):
            if case .table = open { return false }
            guard closeBlock() else { return false }
            open = .code(marker: marker, fence: length, info: info, content: end + 1)
            return true
        case .tableRow:
            switch open {
            case .table(let alignments, let rows):
                // The delimiter row, read with the header.
                if rows < 0 {
                    open = .table(alignments: alignments, rows: 0)
                    return true
                }
                if rows == 0 { html.append(markup: "<tbody>\n") }
                open = .table(alignments: alignments, rows: rows + 1)
                return renderRow(start, end, alignments: alignments, cell: "td")
            case .none:
                let next = end + 1
                guard next < bytes.count, let alignments = delimiterRow(next, lineEnd(from: next)) else { return false }
                html.append(markup: "<table>\n<thead>\n")
                guard renderRow(start, end, alignments: alignments, cell: "th", exactly: true) else { return false }
                html.append(markup: "</thead>\n")
                open = .table(alignments: alignments, rows: -1)
                return true
            default:
                return false
            }
        }
    }

    private func lineKind(_ start: Int, _ end: Int) -> LineKind {
        var blank = true
        for position in start..<end where bytes[position] != UInt8(ascii: " ") {
            blank = false
            break
        }
        if blank { return .blank }
        let first = bytes[start]
        let second = start + 1 < end ? bytes[start + 1] : 0
        switch first {
        case UInt8(ascii: "#"):
            var level = 1
            while start + level < end && bytes[start + level] == UInt8(ascii: "#") { level += 1 }
            guard level <= 6, start + level < end, bytes[start + level] == UInt8(ascii: " ") else { return .unsupported }
            return .heading(level: level)
        case UInt8(ascii: "-"), UInt8(ascii: "+"):
            return second == UInt8(ascii: " ") ? .bulletItem(marker: first, content: start + 2) : .unsupported
        case UInt8(ascii: "*"), UInt8(ascii: "_"):
            // `***`, `* * *` or `___` alone is a thematic break.
            var marks = 0
            var onlyMarks = true
            for position in start..<end {
                switch bytes[position] {
                case first: marks += 1
                case UInt8(ascii: " "): continue
                default: onlyMarks = false
                }
                if !onlyMarks { break }
            }
            if onlyMarks && marks >= 3 { return .unsupported }
            guard first == UInt8(ascii: "*") else { return .text }
            if second == UInt8(ascii: " ") { return .bulletItem(marker: first, content: start + 2) }
            // An empty item; `**bold**` starts a paragraph.
            return second == 0 ? .unsupported : .text
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var position = start
            var number = 0
            while position < end && position - start < 10, case UInt8(ascii: "0")...UInt8(ascii: "9") = bytes[position] {
                number = number * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            guard position < end else { return .text }
            let marker = bytes[position]
            guard marker == UInt8(ascii: ".") || marker == UInt8(ascii: ")") else { return .text }
            if position + 1 < end && bytes[position + 1] != UInt8(ascii: " ") { return .text }
            // `1)`, a marker at the end of the line, or more than nine digits.
            guard marker == UInt8(ascii: "."), position + 1 < end, position - start <= 9 else { return .unsupported }
            return .orderedItem(number: number, content: position + 2)
        case UInt8(ascii: "|"):
            return .tableRow
        case UInt8(ascii: "`"), UInt8(ascii: "~"):
            var length = 1
            while start + length < end && bytes[start + length] == first { length += 1 }
            // A fence is three backticks or tildes or more; fewer backticks start a code span.
            guard length >= 3 else { return first == UInt8(ascii: "`") ? .text : .unsupported }
            var info = (start + length)..<end
            while !info.isEmpty && bytes[info.lowerBound] == UInt8(ascii: " ") { info = (info.lowerBound + 1)..<info.upperBound }
            while !info.isEmpty && bytes[info.upperBound - 1] == UInt8(ascii: " ") { info = info.lowerBound..<(info.upperBound - 1) }
            // Escapes and entities in the info string, or a backtick that makes the line text.
            for position in info {
                switch bytes[position] {
                case UInt8(ascii: "`"), UInt8(ascii: "\\"), UInt8(ascii: "&"), UInt8(ascii: "\t"): return .unsupported
                default: continue
                }
            }
            return .fence(marker: first, length: length, info: info)
        case UInt8(ascii: ":"):
            // Perhaps a table's delimiter row under a paragraph's line.
            for position in start..<end {
                switch bytes[position] {
                case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "|"), UInt8(ascii: " "): continue
                default: return .text
                }
            }
            return .unsupported
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "["),
             UInt8(ascii: "="):
            return .unsupported
        default:
            return .text
        }
    }

    /// Ends the open block, writing a paragraph's lines or a list's or table's closing tags.
    private mutating func closeBlock() -> Bool {
        switch open {
        case .none:
            return true
        case .paragraph(let start):
            open = .none
            return renderParagraph(start, paragraphEnd)
        case .bulletList:
            html.append(markup: "</ul>\n")
        case .orderedList:
            html.append(markup: "</ol>\n")
        case .table(_, let rows):
            if rows > 0 { html.append(markup: "</tbody>\n") }
            html.append(markup: "</table>\n")
        case .code:
            // A fence left open to the end of the page.
            return false
        }
        open = .none
        return true
    }

    private mutating func renderHeading(level: Int, _ start: Int, _ end: Int) -> Bool {
        var contentStart = start
        var contentEnd = end
        while contentStart < contentEnd && bytes[contentStart] == UInt8(ascii: " ") { contentStart += 1 }
        while contentEnd > contentStart && bytes[contentEnd - 1] == UInt8(ascii: " ") { contentEnd -= 1 }
        // An empty heading, or one with a closing sequence of `#`.
        guard contentEnd > contentStart, bytes[contentEnd - 1] != UInt8(ascii: "#") else { return false }
        guard parseInlines(contentStart, contentEnd) else { return false }
        var plain: [UInt8]? = []
        writeInlines(html: false, plain: &plain)
        let text = String(decoding: plain!, as: UTF8.self)
        let id = ids.unique(Slug.make(text))
        headings.append(Heading(level: level, text: text, id: id))
        closeSection()
        sections.append(SectionText(anchor: id, heading: text, utf8: []))
        let digit = UInt8(ascii: "0") + UInt8(level)
        html.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "h"), digit])
        html.append(markup: "><span class=\"anchor\" id=\"")
        Escape.appendHTML(id, to: &html)
        html.append(markup: "\"></span>")
        var none: [UInt8]? = nil
        writeInlines(html: true, plain: &none)
        html.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/"), UInt8(ascii: "h"), digit, UInt8(ascii: ">"), UInt8(ascii: "\n")])
        return true
    }

    /// A line of up to three spaces, then at least `length` of the fence's `marker`, then
    /// only spaces.
    private func closesFence(_ start: Int, _ end: Int, marker: UInt8, length: Int) -> Bool {
        var position = start
        while position < end && position - start < 3 && bytes[position] == UInt8(ascii: " ") { position += 1 }
        let fenceStart = position
        while position < end && bytes[position] == marker { position += 1 }
        guard position - fenceStart >= length else { return false }
        while position < end && bytes[position] == UInt8(ascii: " ") { position += 1 }
        return position == end
    }

    /// A fenced code block: its lines as they are, the info string's first word as its
    /// language.
    private mutating func renderCode(info: Range<Int>, _ content: Range<Int>) -> Bool {
        // Tabs, left to cmark-gfm, which reads them as columns of indentation.
        for position in content where bytes[position] == UInt8(ascii: "\t") { return false }
        html.append(markup: "<pre><code")
        if !info.isEmpty {
            var word = info.lowerBound
            while word < info.upperBound && bytes[word] != UInt8(ascii: " ") { word += 1 }
            html.append(markup: " class=\"language-")
            Self.appendEscaped(UnsafeBufferPointer(rebasing: bytes[info.lowerBound..<word]), to: &html)
            html.append(UInt8(ascii: "\""))
        }
        html.append(UInt8(ascii: ">"))
        let text = UnsafeBufferPointer(rebasing: bytes[content])
        Self.appendEscaped(text, to: &html)
        html.append(markup: "</code></pre>\n")
        sectionText.append(contentsOf: text)
        sectionText.append(UInt8(ascii: " "))
        return true
    }

    private mutating func closeSection() {
        sections[sections.count - 1].utf8 = sectionText
        sectionText.removeAll(keepingCapacity: true)
    }

    private mutating func renderParagraph(_ start: Int, _ end: Int) -> Bool {
        var end = end
        while end > start && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard parseInlines(start, end) else { return false }
        html.append(markup: "<p>")
        let textStart = sectionText.count
        writeSectionInlines()
        if firstParagraph == nil {
            firstParagraph = String(decoding: sectionText[textStart...], as: UTF8.self)
        }
        sectionText.append(UInt8(ascii: " "))
        html.append(markup: "</p>\n")
        return true
    }

    private mutating func renderItem(_ start: Int, _ end: Int) -> Bool {
        var end = end
        while end > start && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard parseInlines(start, end) else { return false }
        html.append(markup: "<li>")
        writeSectionInlines()
        // The item's paragraph ends, then the item.
        sectionText.append(UInt8(ascii: " "))
        sectionText.append(UInt8(ascii: " "))
        html.append(markup: "</li>\n")
        return true
    }

    // MARK: Tables

    /// The cells of a row between its pipes, less the white space cmark-gfm's tables leave out
    /// of a cell: after a pipe, spaces, tabs, vertical tabs and form feeds (`table_spacechar`),
    /// then spaces, tabs and carriage returns (`cmark_isspace`), which alone it trims from a
    /// cell's end; around a delimiter row's dashes, `table_spacechar`. `| a | b |` or `| a | b`.
    private func cells(_ start: Int, _ end: Int, delimiterRow: Bool = false) -> [Range<Int>] {
        var cells: [Range<Int>] = []
        var cellStart = start + 1
        var position = cellStart
        func isTableSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C }
        func isCellSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        func trimmed(_ from: Int, _ to: Int) -> Range<Int> {
            var from = from
            var to = to
            while from < to && isTableSpace(bytes[from]) { from += 1 }
            while !delimiterRow && from < to && isCellSpace(bytes[from]) { from += 1 }
            while to > from && (delimiterRow ? isTableSpace(bytes[to - 1]) : isCellSpace(bytes[to - 1])) { to -= 1 }
            return from..<to
        }
        while position < end {
            if bytes[position] == UInt8(ascii: "|") {
                cells.append(trimmed(cellStart, position))
                cellStart = position + 1
            }
            position += 1
        }
        let last = trimmed(cellStart, end)
        if !last.isEmpty { cells.append(last) }
        return cells
    }

    /// The alignments of a delimiter row (`| --- | ---: |`), as the first letter of
    /// `left`, `right` or `center`, or 0; nil when the line is not one.
    private func delimiterRow(_ start: Int, _ end: Int) -> [UInt8]? {
        guard start < end, bytes[start] == UInt8(ascii: "|") else { return nil }
        var alignments: [UInt8] = []
        for cell in cells(start, end, delimiterRow: true) {
            guard !cell.isEmpty else { return nil }
            let left = bytes[cell.lowerBound] == UInt8(ascii: ":")
            let right = bytes[cell.upperBound - 1] == UInt8(ascii: ":")
            let dashStart = cell.lowerBound + (left ? 1 : 0), dashEnd = cell.upperBound - (right ? 1 : 0)
            // `:` alone is both ends and no dash.
            guard dashEnd > dashStart, (dashStart..<dashEnd).allSatisfy({ bytes[$0] == UInt8(ascii: "-") }) else { return nil }
            alignments.append(left && right ? UInt8(ascii: "c") : right ? UInt8(ascii: "r") : left ? UInt8(ascii: "l") : 0)
        }
        return alignments.isEmpty ? nil : alignments
    }

    /// A row of cells: the header's must be as many as the columns; a body row's are cut or
    /// filled up to them, as cmark-gfm does.
    private mutating func renderRow(_ start: Int, _ end: Int, alignments: [UInt8], cell: StaticString, exactly: Bool = false) -> Bool {
        let cells = cells(start, end)
        // A row of no cells (`|`) ends the table in cmark-gfm.
        if cells.isEmpty || (exactly && cells.count != alignments.count) { return false }
        // A cell outside the subset abandons the whole page, so cells are written as they parse.
        html.append(markup: "<tr>\n")
        for (column, alignment) in alignments.enumerated() {
            html.append(UInt8(ascii: "<"))
            html.append(markup: cell)
            switch alignment {
            case UInt8(ascii: "l"): html.append(markup: " align=\"left\"")
            case UInt8(ascii: "r"): html.append(markup: " align=\"right\"")
            case UInt8(ascii: "c"): html.append(markup: " align=\"center\"")
            default: break
            }
            html.append(UInt8(ascii: ">"))
            if column < cells.count {
                guard parseInlines(cells[column].lowerBound, cells[column].upperBound) else { return false }
                writeSectionInlines()
            }
            html.append(markup: "</")
            html.append(markup: cell)
            html.append(markup: ">\n")
        }
        html.append(markup: "</tr>\n")
        return true
    }

    // MARK: Inlines

    private struct Inline {
        enum Kind: UInt8 { case text, delimiter, code, softBreak, hardBreak, linkStart, linkEnd }
        var kind: Kind
        /// The bytes in the source (text, code, a delimiter run) or in `urls` (a link's start).
        var start: Int
        var end: Int
        /// A delimiter's characters not used for emphasis; they are text.
        var remaining = 0
        /// Emphasis this delimiter opens, newest (outermost) first, and closes, oldest
        /// (innermost) first: indices into `matches`.
        var opens = -1
        var firstClose = -1
        var lastClose = -1
    }

    /// A run of `*` or `_` that may open or close emphasis, in a list of those still open.
    private struct Delimiter {
        var inline: Int
        var character: UInt8
        var length: Int
        var canOpen: Bool
        var canClose: Bool
        var previous: Int
        var next: Int
    }

    /// One `<em>` or `<strong>`, in the lists of the delimiters that open and close it.
    private struct Match {
        var strong: Bool
        var nextOpen = -1
        var nextClose = -1
    }

    /// Bytes that end a run of plain text, all ASCII: `\0 \t \n \r ! " & * : < > @ [ \\ ] _ ` w ~`.
    /// One table for the whole program, read through a pointer: a Swift array would be
    /// retained and checked at every byte of the site.
    nonisolated(unsafe) private static let special: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        table.initialize(repeating: false, count: 256)
        for byte in "\0\t\n\r!\"&*:<>@[\\]_`w~".utf8 { table[Int(byte)] = true }
        return UnsafePointer(table)
    }()

    private static func isSpecial(_ byte: UInt8) -> Bool { special[Int(byte)] }

    /// The bytes of text cmark-gfm writes as entities, but `<`, which the subset leaves to it.
    private static func isEscaped(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: ">")
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether eight bytes hold one cmark-gfm writes as an entity (`" & < >`): each of the
    /// four is looked for in all eight bytes at once.
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        func holds(_ byte: UInt64) -> Bool {
            let difference = word ^ (byte &* ones)
            return (difference &- ones) & ~difference & highBits != 0
        }
        return holds(0x22) || holds(0x26) || holds(0x3C) || holds(0x3E)
    }

    /// Reads `start..<end` into `inlines`, with emphasis matched; false when it holds anything
    /// outside the subset.
    private mutating func parseInlines(_ start: Int, _ end: Int) -> Bool {
        inlines.removeAll(keepingCapacity: true)
        delimiters.removeAll(keepingCapacity: true)
        matches.removeAll(keepingCapacity: true)
        urls.removeAll(keepingCapacity: true)
        textNeedsEscape = false
        if backtickRunsWritten {
            for length in backtickRuns.indices { backtickRuns[length] = 0 }
            backtickRunsWritten = false
        }
        searchedToTheEnd = false
        var textStart = start
        var position = start
        func addText(_ to: Int) {
            if to > textStart { inlines.append(Inline(kind: .text, start: textStart, end: to)) }
        }
        let base = bytes.baseAddress!
        let special = Self.special
        while position < end {
            // Eight bytes beyond ASCII (three Chinese characters) at a time.
            if end - position >= 8 && UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self) & Self.highBits == Self.highBits {
                position += 8
                continue
            }
            let byte = base[position]
            if !special[Int(byte)] {
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\n"):
                var spaces = 0
                while position - spaces > textStart && bytes[position - spaces - 1] == UInt8(ascii: " ") { spaces += 1 }
                addText(position - spaces)
                inlines.append(Inline(kind: spaces >= 2 ? .hardBreak : .softBreak, start: position, end: position))
                position += 1
                textStart = position
            case UInt8(ascii: "*"), UInt8(ascii: "_"):
                var runEnd = position + 1
                while runEnd < end && bytes[runEnd] == byte { runEnd += 1 }
                addText(position)
                let before = scalar(before: position, start: start)
                let after = scalar(at: runEnd, end: end)
                let spaceBefore = deskbook_is_space(before) != 0, spaceAfter = deskbook_is_space(after) != 0
                let punctuationBefore = deskbook_is_punctuation(before) != 0, punctuationAfter = deskbook_is_punctuation(after) != 0
                let leftFlanking = !spaceAfter && (!punctuationAfter || spaceBefore || punctuationBefore)
                let rightFlanking = !spaceBefore && (!punctuationBefore || spaceAfter || punctuationAfter)
                let canOpen, canClose: Bool
                if byte == UInt8(ascii: "*") {
                    canOpen = leftFlanking
                    canClose = rightFlanking
                } else {
                    canOpen = leftFlanking && (!rightFlanking || punctuationBefore)
                    canClose = rightFlanking && (!leftFlanking || punctuationAfter)
                }
                var inline = Inline(kind: .delimiter, start: position, end: runEnd)
                inline.remaining = runEnd - position
                if canOpen || canClose {
                    delimiters.append(Delimiter(inline: inlines.count, character: byte, length: runEnd - position,
                                                canOpen: canOpen, canClose: canClose, previous: -1, next: -1))
                }
                inlines.append(inline)
                position = runEnd
                textStart = position
            case UInt8(ascii: "`"):
                var runEnd = position + 1
                while runEnd < end && bytes[runEnd] == byte { runEnd += 1 }
                let length = runEnd - position
                guard let closing = closingBackticks(from: runEnd, end: end, length: length) else {
                    // No closing run: the backticks are text.
                    position = runEnd
                    continue
                }
                var codeStart = runEnd
                var codeEnd = closing
                // Line endings and tabs, which cmark-gfm changes.
                for index in codeStart..<codeEnd where bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\t") {
                    return false
                }
                if codeEnd - codeStart >= 2 && bytes[codeStart] == UInt8(ascii: " ") && bytes[codeEnd - 1] == UInt8(ascii: " ")
                    && (codeStart..<codeEnd).contains(where: { bytes[$0] != UInt8(ascii: " ") }) {
                    codeStart += 1
                    codeEnd -= 1
                }
                addText(position)
                inlines.append(Inline(kind: .code, start: codeStart, end: codeEnd))
                position = closing + length
                textStart = position
            case UInt8(ascii: "["):
                addText(position)
                guard let after = parseLink(position, end) else { return false }
                position = after
                textStart = position
            case UInt8(ascii: "]"):
                position += 1
            default:
                guard isPlainSpecial(at: position, end: end) else { return false }
                if Self.isEscaped(byte) { textNeedsEscape = true }
                position += 1
            }
        }
        addText(end)
        processEmphasis()
        return true
    }

    /// A special byte that is still plain text here: `"` and `>` (escaped when written), `!`
    /// not before `[`, `&` not starting an entity, `:` not in `://`, `w` not in `www.` (both
    /// autolinks).
    private func isPlainSpecial(at position: Int, end: Int) -> Bool {
        let next = position + 1 < end ? bytes[position + 1] : 0
        switch bytes[position] {
        case UInt8(ascii: "!"):
            return next != UInt8(ascii: "[")
        case UInt8(ascii: "&"):
            return !(next == UInt8(ascii: "#") || (next | 0x20 >= UInt8(ascii: "a") && next | 0x20 <= UInt8(ascii: "z"))
                || (next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9")))
        case UInt8(ascii: ":"):
            return !(next == UInt8(ascii: "/") && position + 2 < end && bytes[position + 2] == UInt8(ascii: "/"))
        case UInt8(ascii: "\""), UInt8(ascii: ">"):
            return true
        case UInt8(ascii: "w"):
            return !(position + 3 < end && bytes[position + 1] == UInt8(ascii: "w") && bytes[position + 2] == UInt8(ascii: "w")
                && bytes[position + 3] == UInt8(ascii: "."))
        default:
            return false
        }
    }

    /// A link `[text](destination)` whose text is plain and whose destination is a path; its
    /// end, or nil for any other use of `[`.
    private mutating func parseLink(_ open: Int, _ end: Int) -> Int? {
        var position = open + 1
        while position < end && bytes[position] != UInt8(ascii: "]") {
            let byte = bytes[position]
            if Self.isSpecial(byte) {
                guard isPlainSpecial(at: position, end: end) else { return nil }
                if Self.isEscaped(byte) { textNeedsEscape = true }
            }
            position += 1
        }
        let textEnd = position
        guard textEnd > open + 1, textEnd + 1 < end, bytes[textEnd + 1] == UInt8(ascii: "(") else { return nil }
        position = textEnd + 2
        let destinationStart = position
        while position < end && bytes[position] != UInt8(ascii: ")") {
            guard Self.isDestinationByte(bytes[position]) else { return nil }
            position += 1
        }
        guard position < end, position > destinationStart else { return nil }
        let destination = String(decoding: UnsafeBufferPointer(rebasing: bytes[destinationStart..<position]), as: UTF8.self)
        let url: String
        switch links.resolve(destination, fromDirectory: sourceDirectory) {
        case .unchanged: url = destination
        case .resolved(let resolved): url = resolved
        case .hidden:
            inlines.append(Inline(kind: .text, start: open + 1, end: textEnd))
            return position + 1
        case .broken: return nil  // cmark-gfm's path reports it, with its line and column
        }
        let urlStart = urls.count
        Self.appendEscapedURL(url, to: &urls)
        inlines.append(Inline(kind: .linkStart, start: urlStart, end: urls.count))
        inlines.append(Inline(kind: .text, start: open + 1, end: textEnd))
        inlines.append(Inline(kind: .linkEnd, start: 0, end: 0))
        return position + 1
    }

    /// Bytes of a destination the subset reads as cmark-gfm does: not `(`, `)`, `<`, `>`,
    /// quotes, backslashes (escapes), `&` (entities), `:` (a scheme) or spaces (a title).
    private static func isDestinationByte(_ byte: UInt8) -> Bool {
        switch byte {
        case ...UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "\\"), UInt8(ascii: "&"), UInt8(ascii: ":"), UInt8(ascii: "\""), UInt8(ascii: "'"),
             UInt8(ascii: "`"), UInt8(ascii: "["), UInt8(ascii: "]"), 0x7F:
            return false
        default:
            return true
        }
    }

    /// A URL as cmark-gfm writes it into `href` (its `houdini_escape_href`): bytes it leaves
    /// as they are, `&` and `'` as entities, the rest percent-encoded.
    private static func appendEscapedURL(_ url: String, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789ABCDEF"
        for byte in url.utf8 {
            if isHrefSafe(byte) {
                out.append(byte)
            } else if byte == UInt8(ascii: "&") {
                out.append(markup: "&amp;")
            } else if byte == UInt8(ascii: "'") {
                out.append(markup: "&#x27;")
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 15)])
            }
        }
    }

    /// Bytes cmark-gfm leaves as they are in `href`: letters, digits and `!#$%()*+,-./:;=?@_~`.
    private static func isHrefSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"),
             UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "@"), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The start of the next run of exactly `length` backticks after an opening run that ends
    /// at `start`, found as cmark-gfm finds it (`backtickRuns`).
    private mutating func closingBackticks(from start: Int, end: Int, length: Int) -> Int? {
        guard length <= Self.longestBacktickRun else { return nil }
        if searchedToTheEnd && backtickRuns[length] <= start { return nil }
        var position = start
        backtickRunsWritten = true
        while position < end {
            guard bytes[position] == UInt8(ascii: "`") else {
                position += 1
                continue
            }
            var runEnd = position + 1
            while runEnd < end && bytes[runEnd] == UInt8(ascii: "`") { runEnd += 1 }
            if runEnd - position <= Self.longestBacktickRun { backtickRuns[runEnd - position] = position }
            if runEnd - position == length { return position }
            position = runEnd
        }
        searchedToTheEnd = true
        return nil
    }

    /// The character before `position`, or a newline at the start, as cmark-gfm sees it.
    private func scalar(before position: Int, start: Int) -> Int32 {
        guard position > start else { return 10 }
        var first = position - 1
        while first > start && bytes[first] & 0xC0 == 0x80 { first -= 1 }
        return decode(first)
    }

    private func scalar(at position: Int, end: Int) -> Int32 {
        position < end ? decode(position) : 10
    }

    /// The scalar whose UTF-8 starts at `position` (checked when the page was loaded).
    private func decode(_ position: Int) -> Int32 {
        let lead = Int32(bytes[position])
        func next(_ offset: Int) -> Int32 { Int32(bytes[position + offset] & 0x3F) }
        switch lead {
        case ..<0x80: return lead
        case ..<0xE0: return (lead & 0x1F) << 6 | next(1)
        case ..<0xF0: return (lead & 0x0F) << 12 | next(1) << 6 | next(2)
        default: return (lead & 0x07) << 18 | next(1) << 12 | next(2) << 6 | next(3)
        }
    }

    /// cmark-gfm's `process_emphasis`: each closer, first to last, meets the nearest opener
    /// of its character that the rule of three allows.
    private mutating func processEmphasis() {
        guard !delimiters.isEmpty else { return }
        for index in delimiters.indices {
            delimiters[index].previous = index - 1
            delimiters[index].next = index + 1 < delimiters.count ? index + 1 : -1
        }
        // Per character and length modulo 3, the delimiter at which the search for an opener
        // stops: the one before the last closer that found none. As in cmark-gfm 0.29, it is
        // that very delimiter: once it is removed (matched meanwhile), searches go past it.
        var openersBottom = [Int](repeating: -1, count: 6)
        var closer = 0
        while closer != -1 {
            let current = delimiters[closer]
            guard current.canClose else {
                closer = current.next
                continue
            }
            let bottomIndex = (current.character == UInt8(ascii: "*") ? 0 : 3) + current.length % 3
            var opener = current.previous
            var found = false
            while opener != -1 && opener != openersBottom[bottomIndex] {
                let candidate = delimiters[opener]
                if candidate.canOpen && candidate.character == current.character
                    && (!(current.canOpen || candidate.canClose) || current.length % 3 == 0
                        || (candidate.length + current.length) % 3 != 0) {
                    found = true
                    break
                }
                opener = candidate.previous
            }
            if found {
                closer = insertEmphasis(opener: opener, closer: closer)
            } else {
                openersBottom[bottomIndex] = current.previous
                let next = current.next
                if !current.canOpen { removeDelimiter(closer) }
                closer = next
            }
        }
    }

    private mutating func insertEmphasis(opener: Int, closer: Int) -> Int {
        let openerInline = delimiters[opener].inline, closerInline = delimiters[closer].inline
        let use = inlines[openerInline].remaining >= 2 && inlines[closerInline].remaining >= 2 ? 2 : 1
        inlines[openerInline].remaining -= use
        inlines[closerInline].remaining -= use
        var between = delimiters[closer].previous
        while between != -1 && between != opener {
            let previous = delimiters[between].previous
            removeDelimiter(between)
            between = previous
        }
        let match = matches.count
        matches.append(Match(strong: use == 2, nextOpen: inlines[openerInline].opens))
        inlines[openerInline].opens = match
        if inlines[closerInline].lastClose == -1 {
            inlines[closerInline].firstClose = match
        } else {
            matches[inlines[closerInline].lastClose].nextClose = match
        }
        inlines[closerInline].lastClose = match
        if inlines[openerInline].remaining == 0 { removeDelimiter(opener) }
        if inlines[closerInline].remaining == 0 {
            let next = delimiters[closer].next
            removeDelimiter(closer)
            return next
        }
        return closer
    }

    private mutating func removeDelimiter(_ index: Int) {
        let previous = delimiters[index].previous, next = delimiters[index].next
        if previous != -1 { delimiters[previous].next = next }
        if next != -1 { delimiters[next].previous = previous }
    }

    /// Writes the inlines as HTML and their text into the section's.
    private mutating func writeSectionInlines() {
        var text: [UInt8]? = sectionText
        sectionText = []
        writeInlines(html: true, plain: &text)
        sectionText = text!
    }

    /// Writes the parsed inlines: as HTML into `html` when asked, and their text (cmark-gfm's
    /// text and code nodes, a space for a line break) into `plain` when there is one.
    private mutating func writeInlines(html writesHTML: Bool, plain: inout [UInt8]?) {
        for inline in inlines {
            switch inline.kind {
            case .text:
                let text = UnsafeBufferPointer(rebasing: bytes[inline.start..<inline.end])
                if writesHTML {
                    if textNeedsEscape { Self.appendEscaped(text, to: &html) } else { html.append(contentsOf: text) }
                }
                plain?.append(contentsOf: text)
            case .delimiter:
                if writesHTML {
                    var close = inline.firstClose
                    while close != -1 {
                        html.append(markup: matches[close].strong ? "</strong>" : "</em>")
                        close = matches[close].nextClose
                    }
                }
                if inline.remaining > 0 {
                    let text = UnsafeBufferPointer(rebasing: bytes[inline.start..<(inline.start + inline.remaining)])
                    if writesHTML { html.append(contentsOf: text) }
                    plain?.append(contentsOf: text)
                }
                if writesHTML {
                    var open = inline.opens
                    while open != -1 {
                        html.append(markup: matches[open].strong ? "<strong>" : "<em>")
                        open = matches[open].nextOpen
                    }
                }
            case .code:
                let text = UnsafeBufferPointer(rebasing: bytes[inline.start..<inline.end])
                if writesHTML {
                    html.append(markup: "<code>")
                    Self.appendEscaped(text, to: &html)
                    html.append(markup: "</code>")
                }
                plain?.append(contentsOf: text)
            case .softBreak:
                if writesHTML { html.append(UInt8(ascii: "\n")) }
                plain?.append(UInt8(ascii: " "))
            case .hardBreak:
                if writesHTML { html.append(markup: "<br />\n") }
                plain?.append(UInt8(ascii: " "))
            case .linkStart:
                if writesHTML {
                    html.append(markup: "<a href=\"")
                    html.append(contentsOf: urls[inline.start..<inline.end])
                    html.append(markup: "\">")
                }
            case .linkEnd:
                if writesHTML { html.append(markup: "</a>") }
            }
        }
    }

    /// Text as cmark-gfm escapes it: `&`, `<`, `>` and `"`.
    private static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var position = 0
        while position < text.count {
            if text.count - position >= 8 {
                let word = UnsafeRawPointer(text.baseAddress! + position).loadUnaligned(as: UInt64.self)
                if word & highBits == highBits || !mayNeedEscape(word) {
                    position += 8
                    continue
                }
            }
            let entity: StaticString
            switch text[position] {
            case UInt8(ascii: "&"): entity = "&amp;"
            case UInt8(ascii: "<"): entity = "&lt;"
            case UInt8(ascii: ">"): entity = "&gt;"
            case UInt8(ascii: "\""): entity = "&quot;"
            default:
                position += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<position]))
            out.append(markup: entity)
            position += 1
            runStart = position
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
    }
}
