import Content
import DeskbookData
import DeskbookSupport

/// Pages made from query rows. A page whose front matter has
/// `each: SELECT agent_id, name FROM agents` becomes one page per row, beside it in its
/// section (whose list is their index page). `slug` and `title` may use `{{agent_id}}` and
/// `{{name}}`, and the page's queries get each row's columns as `:agent_id`, `:name`.
public enum TemplatedPages {
    public struct Expansion: Sendable {
        public var pages: [Page]
        /// Parameters of each page by index in `pages`; absent for ordinary pages.
        public var parameters: [Int: [String: Value]]
    }

    public static func expand(_ pages: [Page], snapshots: SnapshotSet) -> (Expansion, [Diagnostic]) {
        var output: [Page] = []
        var parameters: [Int: [String: Value]] = [:]
        var problems: [Diagnostic] = []
        for page in pages {
            guard let each = page.frontMatter["each"], let sql = each.scalar, !each.isNull else {
                output.append(page)
                continue
            }
            let name = page.frontMatter["data"]?.scalar ?? snapshots.defaultName
            guard let name, let snapshot = snapshots[name] else {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column,
                                       snapshots.names.isEmpty ? "each: needs a data snapshot; add one under 'data:' in deskbook.yaml"
                                                               : "each: which snapshot? set 'data:' to one of \(snapshots.names.joined(separator: ", "))"))
                continue
            }
            let result: QueryResult
            do {
                result = try snapshots.query(snapshot, sql, parameters: PageBlocks.frontMatterParameters(page))
            } catch {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column, "each: \(error.message)"))
                continue
            }
            let titleTemplate = page.frontMatter.title ?? "{{\(result.columns.last ?? "")}}"
            let slugTemplate = page.frontMatter["slug"]?.scalar ?? "{{\(result.columns.first ?? "")}}"
            for name in placeholders(titleTemplate) + placeholders(slugTemplate) where result.columnIndex(name) == nil {
                problems.append(.error(page.diagnosticPath, line: each.line, column: each.column,
                                       "{{\(name)}} is not a column of each:; available: \(result.columns.joined(separator: ", "))"))
            }
            if !problems.isEmpty { continue }
            let folder = FileSystem.parentPath("/" + page.urlPath.trimmingSlashes).trimmingSlashes
            for row in result.rows {
                var values: [String: Value] = [:]
                for (index, column) in result.columns.enumerated() { values[column] = row[index] }
                var made = page
                let slug = fill(slugTemplate, values).map { $0 == "/" || $0 == "\\" ? "-" : $0 }
                made.urlPath = (folder.isEmpty ? "" : folder + "/") + String(slug) + "/"
                made.frontMatter.title = fill(titleTemplate, values)
                if let summary = page.frontMatter.summary { made.frontMatter.summary = fill(summary, values) }
                parameters[output.count] = values
                output.append(made)
            }
        }
        var seen: [String: Page] = [:]
        for page in output {
            if let other = seen[page.urlPath], other.sourcePath != page.sourcePath || page.frontMatter["each"] != nil {
                problems.append(.error(page.diagnosticPath, "duplicate URL /\(page.urlPath): \(other.diagnosticPath) is published there too"))
            }
            seen[page.urlPath] = page
        }
        return (Expansion(pages: output, parameters: parameters), problems)
    }

    static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingWhitespace)
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func fill(_ text: String, _ values: [String: Value]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            output += values[rest[open.upperBound..<close.lowerBound].trimmingWhitespace]?.description ?? ""
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
