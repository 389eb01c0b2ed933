import Content
import DeskbookData
import DeskbookSupport

/// ```` ```table ```` — the rows of a query as a table: complete and readable as plain HTML;
/// the theme's script adds sorting, filtering and paging. A CSV file of exactly the rows shown
/// is written beside the page.
///
///     data: top_agents
///     columns: [agent, team, amount, units]   # default: every column
///     labels: {agent: 業務, amount: 金額}
///     format: {amount: money, units: integer}
///     rank: true          # a rank column, ties share a rank (1, 2, 2, 4)
///     rank_by: amount     # default: the first numeric column shown
///     totals: [amount, units]   # or true for every numeric column
///     bars: [amount]      # a bar in the cell, scaled to the column's largest value
///     link: /agents/{agent_id}/   # each row's first column links here
///     page_size: 25       # rows per page when the script runs
///     limit: 100          # show only the first rows
///     csv: true           # a CSV download (default true)
///     title: 本月排行
enum TableBlock {
    static let keys: Set<String> = ["data", "columns", "labels", "format", "rank", "rank_by", "totals", "bars", "link",
                                    "page_size", "limit", "csv", "title"]

    static func render(_ block: FencedBlock, blocks: PageBlocks) throws(Diagnostic) -> String {
        var (options, result, query) = try blocks.options(block, kind: "table", keys: keys)
        let columns = options.list("columns") ?? result.columns
        options.requireColumns(columns, key: "columns", in: result, query: query)
        let labels = options.labels()
        let formats = options.formats().perColumn
        for column in formats.keys where !columns.contains(column) {
            options.fail(options.node("format"), "format names column '\(column)', which the table does not show; shown: \(columns.joined(separator: ", "))")
        }
        let rank = options.bool("rank") ?? false
        let rankBy = options.string("rank_by")
        if let rankBy { options.requireColumns([rankBy], key: "rank_by", in: result, query: query) }
        var totals: [String] = []
        if let node = options.node("totals") {
            if let flag = node.bool { totals = flag ? numericColumns(columns, result) : [] } else { totals = options.list("totals") ?? [] }
            options.requireColumns(totals, key: "totals", in: result, query: query)
        }
        let bars = options.list("bars") ?? []
        options.requireColumns(bars, key: "bars", in: result, query: query)
        let link = options.string("link")
        if let link {
            if let scheme = URLSafety.blockedScheme(link) {
                options.fail(options.node("link"), "link may not be a \(scheme): URL; use a page address like /agents/{agent_id}/")
            }
            for name in placeholders(link) where result.columnIndex(name) == nil {
                options.fail(options.node("link"), "link uses {\(name)}, which is not a column of \(query); available: \(result.columns.joined(separator: ", "))")
            }
        }
        let pageSize = options.integer("page_size") ?? 25
        let limit = options.integer("limit")
        let csv = options.bool("csv") ?? true
        let title = options.string("title")
        if let problem = options.problems.first { throw problem }

        let rows = limit.map { Array(result.rows.prefix($0)) } ?? result.rows
        let locale = blocks.environment.locale
        let strings = blocks.environment.strings
        let indices = columns.map { result.columnIndex($0)! }
        let numeric = Set(numericColumns(columns, result))
        let rankIndex = (rankBy ?? columns.first { numeric.contains($0) }).flatMap { result.columnIndex($0) }
        let ranks = rank ? ranking(rows, by: rankIndex) : []
        let barMaxima = Dictionary(uniqueKeysWithValues: bars.map { column -> (String, Double) in
            let index = result.columnIndex(column)!
            return (column, rows.compactMap { $0[index].double }.max() ?? 0)
        })
        let id = blocks.nextID("table")

        var html = "<div class=\"data-table\" id=\"\(id)\">"
        html += "<div class=\"table-tools\"><span class=\"row-count\">\(Escape.html(strings.rows(rows.count)))</span>"
        if csv {
            let file = "\(query)\(id == "table-1" ? "" : "-" + id).csv"
            let href = blocks.attach(file, csvBytes(rows: rows, columns: columns, indices: indices, labels: labels, ranks: ranks, rankLabel: strings["rank"]))
            html += " <a class=\"csv-download\" href=\"\(Escape.html(href))\" download>\(Escape.html(strings["download_csv"]))</a>"
        }
        html += "</div><table class=\"sortable\" data-page-size=\"\(pageSize)\" data-filter-label=\"\(Escape.html(strings["filter"]))\">"
        if let title { html += "<caption>\(Escape.html(title))</caption>" }
        html += "<thead><tr>"
        if rank { html += "<th scope=\"col\" class=\"num\" data-type=\"number\">\(Escape.html(strings["rank"]))</th>" }
        for column in columns {
            let isNumber = numeric.contains(column)
            html += "<th scope=\"col\"\(isNumber ? " class=\"num\" data-type=\"number\"" : "")>\(Escape.html(labels[column] ?? column))</th>"
        }
        html += "</tr></thead><tbody>"
        for (rowIndex, row) in rows.enumerated() {
            html += "<tr>"
            if rank { html += "<td class=\"num rank\" data-value=\"\(ranks[rowIndex])\">\(ranks[rowIndex])</td>" }
            for (position, column) in columns.enumerated() {
                let value = row[indices[position]]
                var text = Escape.html(locale.format(value, as: formats[column]))
                if position == 0, let link {
                    let href = expand(link, row: row, result: result, basePath: blocks.environment.basePath)
                    text = "<a href=\"\(Escape.html(href))\">\(text)</a>"
                }
                if let maximum = barMaxima[column], maximum > 0, let number = value.double {
                    let width = max(0, min(100, number / maximum * 100))
                    text = "<svg class=\"cell-bar\" viewBox=\"0 0 100 4\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect width=\"\(svgNumber(width))\" height=\"4\"/></svg>" + text
                }
                let sortValue = value.double.map { " data-value=\"\(svgNumber($0))\"" } ?? ""
                html += numeric.contains(column) ? "<td class=\"num\"\(sortValue)>\(text)</td>" : "<td>\(text)</td>"
            }
            html += "</tr>"
        }
        if rows.isEmpty {
            html += "<tr><td colspan=\"\(columns.count + (rank ? 1 : 0))\">\(Escape.html(strings["no_rows"]))</td></tr>"
        }
        html += "</tbody>"
        if !totals.isEmpty {
            html += "<tfoot><tr>"
            var first = true
            if rank { html += "<th scope=\"row\">\(Escape.html(strings["total"]))</th>"; first = false }
            for (position, column) in columns.enumerated() {
                if totals.contains(column) {
                    let sum = rows.reduce(0.0) { $0 + ($1[indices[position]].double ?? 0) }
                    html += "<td class=\"num\">\(Escape.html(locale.format(.real(sum), as: formats[column])))</td>"
                } else if first {
                    html += "<th scope=\"row\">\(Escape.html(strings["total"]))</th>"
                } else {
                    html += "<td></td>"
                }
                first = false
            }
            html += "</tr></tfoot>"
        }
        return html + "</table></div>"
    }

    /// Columns whose every non-null value is a number.
    static func numericColumns(_ columns: [String], _ result: QueryResult) -> [String] {
        columns.filter { column in
            guard let index = result.columnIndex(column) else { return false }
            let values = result.rows.map { $0[index] }.filter { !$0.isNull }
            return !values.isEmpty && values.allSatisfy {
                if case .integer = $0 { return true }
                if case .real = $0 { return true }
                return false
            }
        }
    }

    /// Competition ranking in the order the query gave: equal values share a rank (1, 2, 2, 4).
    static func ranking(_ rows: [[Value]], by index: Int?) -> [Int] {
        var ranks: [Int] = []
        for position in rows.indices {
            if position > 0, let index, rows[position][index] == rows[position - 1][index] {
                ranks.append(ranks[position - 1])
            } else {
                ranks.append(position + 1)
            }
        }
        return ranks
    }

    static func placeholders(_ pattern: String) -> [String] {
        var names: [String] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// `/agents/{agent_id}/` with the row's values, each percent-encoded as a path segment.
    static func expand(_ pattern: String, row: [Value], result: QueryResult, basePath: String) -> String {
        var output = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            output += Escape.urlPathSegment(result.columnIndex(name).map { row[$0].description } ?? "")
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        // Root-relative patterns get the site's base path; the segments are encoded already.
        if output.hasPrefix("/") { return basePath + output.dropFirst() }
        return output
    }

    static func svgNumber(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }

    /// UTF-8 with a byte-order mark, so Excel opens Chinese correctly; cells that a spreadsheet
    /// would run as a formula (`=`, `+`, `-`, `@` at the start of text) get a leading `'`.
    static func csvBytes(rows: [[Value]], columns: [String], indices: [Int], labels: [String: String], ranks: [Int], rankLabel: String) -> [UInt8] {
        var lines: [String] = []
        var header = columns.map { csvCell(labels[$0] ?? $0, isText: true) }
        if !ranks.isEmpty { header.insert(csvCell(rankLabel, isText: true), at: 0) }
        lines.append(header.joined(separator: ","))
        for (rowIndex, row) in rows.enumerated() {
            var cells = indices.map { index -> String in
                let value = row[index]
                if case .text(let text) = value { return csvCell(text, isText: true) }
                return csvCell(value.description, isText: false)
            }
            if !ranks.isEmpty { cells.insert(String(ranks[rowIndex]), at: 0) }
            lines.append(cells.joined(separator: ","))
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static func csvCell(_ text: String, isText: Bool) -> String {
        var cell = text
        if isText, let first = cell.first, "=+-@\t\r".contains(first) { cell = "'" + cell }
        if cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r") {
            cell = "\"" + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return cell
    }
}
