import Content
import DeskbookData
import DeskbookSupport

/// Pages made from query rows. A page whose front matter has
/// `each: SELECT agent_id, name FROM agents` becomes one page per row, beside it in its
/// section (whose list is their index page). `slug` and `title` may use `{{agent_id}}` and
/// `{{name}}`, and the page's queries get each row's columns as `:agent_id`, `:name`.
/// Titles, slugs and summaries are filled from the masked row (a page per customer is titled
/// 王**), while the parameters keep the stored values, which are bound and never shown.
public enum TemplatedPages {
    public struct Expansion: Sendable {
        public var pages: [Page]
        /// Parameters of each page by index in `pages`; absent for ordinary pages.
        public var parameters: [Int: [String: Value]]
    }

    public static func expand(_ pages: [Page], snapshots: SnapshotSet) -> (Expansion, [Diagnostic]) {
        // Most sites have a few templated pages or none: the others pass on as they are,
        // rather than copied one by one into a new list.
        guard pages.contains(where: { templateQuery(of: $0) != nil }) else { return (Expansion(pages: pages, parameters: [:]), []) }
        var output: [Page] = []
        output.reserveCapacity(pages.count)
        var parameters: [Int: [String: Value]] = [:]
        var problems: [Diagnostic] = []
        for page in pages {
            guard let (each, sql) = templateQuery(of: page) else {
                output.append(page)
                continue
            }
            let name = page.frontMatterField("data")?.scalar ?? snapshots.defaultName
            guard let name, let snapshot = snapshots[name] else {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column,
                                       snapshots.names.isEmpty ? "each: needs a data snapshot; add one under 'data:' in deskbook.yaml"
                                                               : "each: which snapshot? set 'data:' to one of \(snapshots.names.joined(separator: ", "))"))
                continue
            }
            let result: QueryResult, shown: QueryResult
            do {
                result = try snapshots.unmaskedQuery(snapshot, sql, parameters: PageBlocks.frontMatterParameters(page))
                shown = try snapshots.query(snapshot, sql, parameters: PageBlocks.frontMatterParameters(page), page: page)
            } catch {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column, "each: \(error.message)"))
                continue
            }
            let titleTemplate = page.frontMatter.title ?? "{{\(result.columns.last ?? "")}}"
            let slugTemplate = page.frontMatterField("slug")?.scalar ?? "{{\(result.columns.first ?? "")}}"
            for name in placeholders(titleTemplate) + placeholders(slugTemplate) where result.columnIndex(name) == nil {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column,
                                       "{{\(name)}} is not a column of each:; available: \(result.columns.joined(separator: ", "))"))
            }
            if !problems.isEmpty { continue }
            let folder = FileSystem.parentPath("/" + page.urlPath.trimmingSlashes).trimmingSlashes
            for (rowIndex, row) in result.rows.enumerated() {
                var values: [String: Value] = [:]
                var shownValues: [String: Value] = [:]
                for (index, column) in result.columns.enumerated() {
                    values[column] = row[index]
                    shownValues[column] = shown.rows[rowIndex][index]
                }
                var made = page
                let slug = String(fill(slugTemplate, shownValues).map { $0 == "/" || $0 == "\\" ? "-" : $0 }).trimmingWhitespace
                if slug.isEmpty || slug == "." || slug == ".." {
                    let node = page.frontMatterField("slug") ?? each
                    problems.append(.error(page.diagnosticPath, line: node.line, column: node.column,
                                           "row \(rowIndex + 1) of each: gives the slug '\(slug)'; every page needs a slug of its own"))
                    continue
                }
                made.urlPath = (folder.isEmpty ? "" : folder + "/") + slug + "/"
                made.frontMatter.title = fill(titleTemplate, shownValues)
                if let summary = page.frontMatter.summary { made.frontMatter.summary = fill(summary, shownValues) }
                // The front matter is the template's with this row's title and summary: its
                // hash stands for what lists show of the page (`RenderKeys.cards`).
                var hasher = StableHasher()
                hasher.combine(page.frontMatterHash)
                hasher.combine(made.frontMatter.title)
                hasher.combine(made.frontMatter.summary)
                made.frontMatterHash = hasher.value
                parameters[output.count] = values
                output.append(made)
            }
        }
        // Loading gave every file's page a URL of its own: only rows can share one.
        if parameters.isEmpty { return (Expansion(pages: output, parameters: parameters), problems) }
        // Each URL's page, by its place in `output` (a map of whole pages would copy every one).
        var seen: [String: Int] = [:]
        seen.reserveCapacity(output.count)
        for (position, page) in output.enumerated() {
            if let earlier = seen[page.urlPath] {
                let other = output[earlier]
                if other.sourcePath != page.sourcePath || page.frontMatter.each != nil {
                    let hint = page.frontMatter.each != nil ? "; give each row a slug of its own, from an id column (masked values repeat: 王**)" : ""
                    problems.append(.error(page.diagnosticPath, "duplicate URL /\(page.urlPath): \(other.diagnosticPath) is published there too" + hint))
                }
            }
            seen[page.urlPath] = position
        }
        return (Expansion(pages: output, parameters: parameters), problems)
    }

    /// A page's `each:` and its query; nil for a page not made from rows.
    private static func templateQuery(of page: Page) -> (node: YAMLNode, sql: String)? {
        guard let each = page.frontMatter.each, let sql = each.scalar, !each.isNull else { return nil }
        return (each, sql)
    }

    static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingWhitespace)
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func fill(_ text: String, _ values: [String: Value]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            output += rest[..<open.lowerBound]
            output += values[rest[open.upperBound..<close.lowerBound].trimmingWhitespace]?.description ?? ""
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
