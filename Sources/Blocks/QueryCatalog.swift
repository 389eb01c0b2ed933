import Content
import DeskbookData
import DeskbookSupport

/// The `sql NAME` blocks of one page, found before rendering so that a chart may come before
/// the query it draws, and run at most once each.
final class QueryCatalog {
    struct Definition {
        var name: String
        var sql: String
        /// File line of the first line of SQL.
        var line: Int
        var snapshot: String?
    }

    let page: Page
    let snapshots: SnapshotSet
    let parameters: [String: Value]
    private(set) var definitions: [String: Definition] = [:]
    private var results: [String: Result<QueryResult, Diagnostic>] = [:]
    /// Snapshots the page read, for its freshness note.
    private(set) var snapshotsUsed: [String] = []
    var problems: [Diagnostic] = []

    init(page: Page, snapshots: SnapshotSet, parameters: [String: Value]) {
        self.page = page
        self.snapshots = snapshots
        self.parameters = parameters
        for block in FenceScanner.blocks(in: page.body) where block.info.first == "sql" {
            let line = page.bodyLineOffset + block.line + 1
            guard block.info.count >= 2 else {
                problems.append(.error(page.diagnosticPath, line: line - 1, "a sql block needs a name: ```sql top_agents"))
                continue
            }
            let name = block.info[1]
            if let earlier = definitions[name] {
                problems.append(.error(page.diagnosticPath, line: line - 1,
                                       "query '\(name)' is already defined on line \(earlier.line - 1)"))
                continue
            }
            definitions[name] = Definition(name: name, sql: block.literal, line: line,
                                           snapshot: block.info.count >= 3 ? block.info[2] : nil)
        }
    }

    /// The rows of a named query; an unknown name lists the page's queries.
    func result(_ name: String, at node: YAMLNode?) -> Result<QueryResult, Diagnostic> {
        if let cached = results[name] { return cached }
        let outcome = run(name, at: node)
        results[name] = outcome
        return outcome
    }

    private func run(_ name: String, at node: YAMLNode?) -> Result<QueryResult, Diagnostic> {
        let path = page.diagnosticPath
        guard let definition = definitions[name] else {
            let known = definitions.keys.sorted()
            return .failure(.error(path, line: node?.line ?? 1, column: node?.column ?? 1,
                                   "no query '\(name)' on this page; " + (known.isEmpty ? "define one with ```sql \(name)" : "available: \(known.joined(separator: ", "))")))
        }
        let snapshotName = definition.snapshot ?? page.frontMatterField("data")?.scalar ?? snapshots.defaultName
        guard let snapshotName, let snapshot = snapshots[snapshotName] else {
            let known = snapshots.names
            let message = known.isEmpty ? "no data snapshots: add them under 'data:' in deskbook.yaml"
                : "no snapshot '\(snapshotName ?? "")'; available: \(known.joined(separator: ", "))"
            return .failure(.error(path, line: definition.line - 1, message))
        }
        if !snapshotsUsed.contains(snapshotName) { snapshotsUsed.append(snapshotName) }
        do {
            return .success(try snapshots.query(snapshot, definition.sql, parameters: parameters, page: page))
        } catch {
            var line = definition.line
            var column = 1
            if let offset = error.offset {
                let before = definition.sql.utf8.prefix(offset)
                line += before.filter { $0 == UInt8(ascii: "\n") }.count
                column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            }
            return .failure(.error(path, line: line, column: column, error.message))
        }
    }
}

/// Finds fenced code blocks in Markdown text without a full parse: enough to see the
/// `sql NAME` blocks ahead of rendering. `line` is 1-based within the text (the fence line).
enum FenceScanner {
    struct Block {
        var info: [String]
        var literal: String
        var line: Int
    }

    static func blocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var open: (fence: Character, length: Int, info: [String], line: Int, indent: Int)?
        var lines: [Substring] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            let indent = line.prefix { $0 == " " }.count
            let trimmed = line.dropFirst(indent)
            if let current = open {
                let run = trimmed.prefix { $0 == current.fence }.count
                if indent < 4 && run >= current.length && trimmed.dropFirst(run).allSatisfy({ $0 == " " || $0 == "\t" }) {
                    blocks.append(Block(info: current.info, literal: lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"), line: current.line))
                    open = nil
                    lines = []
                } else {
                    lines.append(line.dropFirst(min(indent, current.indent)))
                }
                continue
            }
            guard indent < 4, let first = trimmed.first, first == "`" || first == "~" else { continue }
            let run = trimmed.prefix { $0 == first }.count
            guard run >= 3 else { continue }
            let infoText = trimmed.dropFirst(run)
            if first == "`" && infoText.contains("`") { continue }
            open = (first, run, infoText.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init), index + 1, indent)
        }
        if let current = open {
            blocks.append(Block(info: current.info, literal: lines.joined(separator: "\n"), line: current.line))
        }
        return blocks
    }
}
