import Charts
import Content
import DeskbookData
import DeskbookSupport

/// Everything data blocks need that is the same for the whole site.
public struct BlockEnvironment: Sendable {
    public var snapshots: SnapshotSet
    public var locale: FormatLocale
    public var strings: BlockStrings
    /// The site's base path, `/` or `/site-a/`.
    public var basePath: String

    public init(snapshots: SnapshotSet, locale: FormatLocale, strings: BlockStrings, basePath: String) {
        self.snapshots = snapshots
        self.locale = locale
        self.strings = strings
        self.basePath = basePath
    }

    /// URL of an output path: `/site-a/sales/top.csv`.
    func url(_ outputPath: String) -> String { basePath + Escape.urlPath(outputPath) }
}

/// The data blocks of one page while it renders: its queries, and the files (CSV downloads)
/// its tables add beside it.
public final class PageBlocks: MarkdownHooks {
    let environment: BlockEnvironment
    let page: Page
    let catalog: QueryCatalog
    private var counters: [String: Int] = [:]
    /// Output path -> bytes of files the page's blocks add.
    public private(set) var attachments: [(path: String, bytes: [UInt8])] = []

    /// `parameters` are bound to `:name` in the page's queries: front matter `params:` and,
    /// for a templated page, its row.
    public init(page: Page, environment: BlockEnvironment, parameters: [String: Value]) {
        self.page = page
        self.environment = environment
        var bound = PageBlocks.frontMatterParameters(page)
        for (key, value) in parameters { bound[key] = value }
        catalog = QueryCatalog(page: page, snapshots: environment.snapshots, parameters: bound)
    }

    /// Problems found outside the blocks that show data: unnamed or duplicate queries, and
    /// errors in queries no block uses (they run too, so a broken one never goes unnoticed).
    public var problems: [Diagnostic] {
        var found = catalog.problems
        for name in catalog.definitions.keys.sorted() {
            if case .failure(let diagnostic) = catalog.result(name, at: nil), !found.contains(diagnostic) { found.append(diagnostic) }
        }
        // An allowance no query of the page needs is a leftover or a typo: say so.
        if !page.frontMatter.privacyAllow.isEmpty && found.isEmpty {
            let used = environment.snapshots.unmaskedColumns.filter { $0.page == page.diagnosticPath }
            for allowance in page.frontMatter.privacyAllow
            where !used.contains(where: { $0.line == allowance.line && $0.columnNumber == allowance.columnNumber }) {
                found.append(.warning(page.diagnosticPath, line: allowance.line, column: allowance.columnNumber,
                                      "privacy.allow: no query on this page returns a masked column '\(allowance.column)'; remove the entry"))
            }
        }
        return found
    }

    /// Snapshots the page read, with when each was taken.
    public var snapshotsUsed: [Snapshot] { catalog.snapshotsUsed.compactMap { environment.snapshots[$0] } }

    /// `params:` of the front matter, and a course's `course_id`, as query parameters.
    static func frontMatterParameters(_ page: Page) -> [String: Value] {
        var values: [String: Value] = [:]
        if let course = page.frontMatter.courseID { values["course_id"] = .text(course) }
        for (key, node) in page.frontMatterField("params")?.mapping ?? [] {
            guard let name = key.scalar, let text = node.scalar else { continue }
            if let number = node.int { values[name] = .integer(Int64(number)) } else if let number = node.double, !text.contains("-") {
                values[name] = .real(number)
            } else {
                values[name] = .text(text)
            }
        }
        return values
    }

    /// Whether the page shows a data table, so the theme loads the table script only there.
    public var hasTables: Bool { counters["table", default: 0] > 0 }

    /// A page-unique id for a kind of element: `chart-1`, `chart-2` ….
    func nextID(_ kind: String) -> String {
        counters[kind, default: 0] += 1
        return "\(kind)-\(counters[kind]!)"
    }

    func attach(_ name: String, _ bytes: [UInt8]) -> String {
        let path = page.urlPath + name
        attachments.append((path, bytes))
        return environment.url(path)
    }

    public func fencedBlock(_ block: FencedBlock) -> FencedBlockOutput? {
        let kind = block.info[0]
        switch kind {
        case "sql":
            return .html("")
        case "chart", "table", "kpi":
            do {
                let html: String
                switch kind {
                case "chart": html = try ChartBlock.render(block, blocks: self)
                case "table": html = try TableBlock.render(block, blocks: self)
                default: html = try KPIBlock.render(block, blocks: self)
                }
                return .html(html)
            } catch {
                return .failure(error)
            }
        default:
            return nil
        }
    }

    public func text(_ literal: String, line: Int, page: Page) -> Result<String, Diagnostic>? {
        InlineValues.substitute(literal, line: line, blocks: self)
    }

    /// Reads the YAML of a block and the query it names; every problem becomes one diagnostic.
    func options(_ block: FencedBlock, kind: String, keys: Set<String>) throws(Diagnostic) -> (BlockOptions, QueryResult, String) {
        var options = try BlockOptions(literal: block.literal, line: block.line, path: page.diagnosticPath, kind: kind, knownKeys: keys)
        guard let name = options.required("data") else { throw options.problems.first! }
        if let first = options.problems.first { throw first }
        switch catalog.result(name, at: options.node("data")) {
        case .success(let result): return (options, result, name)
        case .failure(let diagnostic): throw diagnostic
        }
    }
}
