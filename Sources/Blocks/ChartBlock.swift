import Charts
import Content
import DeskbookData
import DeskbookSupport

/// ```` ```chart ```` — a chart of a query, drawn as SVG at build time.
///
///     type: hbar            # bar | hbar | line | area | stacked-bar | donut
///     data: top_agents
///     x: agent
///     y: amount             # or [amount, target]: one series each
///     series: team          # or: one series per value of this column (y is then one column)
///     format: money
///     title: 本月成交金額
///     target: 5000000       # a reference line
///     height: 320
///     limit: 10             # the first rows only
///     labels: {amount: 金額}
enum ChartBlock {
    static let keys: Set<String> = ["type", "data", "x", "y", "series", "format", "title", "target", "height", "limit", "labels"]

    static func render(_ block: FencedBlock, blocks: PageBlocks) throws(Diagnostic) -> String {
        var (options, result, query) = try blocks.options(block, kind: "chart", keys: keys)
        let typeName = options.string("type") ?? "bar"
        let kind = ChartSpec.Kind(rawValue: typeName)
        if kind == nil {
            options.fail(options.node("type"), "unknown chart type '\(typeName)'; use one of \(ChartSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let x = options.required("x")
        let y = options.list("y") ?? []
        if y.isEmpty && options.node("y") == nil { options.fail(nil, "the chart block needs 'y:' (the column or columns to draw)") }
        let seriesColumn = options.string("series")
        let format = options.formats().single
        let labels = options.labels()
        let limit = options.integer("limit")
        let height = options.integer("height")
        let target = options.number("target")
        let title = options.string("title") ?? ""
        options.requireColumns([x].compactMap { $0 } + y, key: "y", in: result, query: query)
        if let x, result.columnIndex(x) == nil { options.fail(options.node("x"), "no column '\(x)' in \(query); available: \(result.columns.joined(separator: ", "))") }
        if let seriesColumn { options.requireColumns([seriesColumn], key: "series", in: result, query: query) }
        if let problem = options.problems.first { throw problem }

        let rows = limit.map { Array(result.rows.prefix($0)) } ?? result.rows
        let xIndex = result.columnIndex(x!)!
        var categories: [String] = []
        var series: [ChartSpec.Series] = []
        if let seriesColumn, let yName = y.first {
            // Long format: one series per distinct value of `series`.
            let seriesIndex = result.columnIndex(seriesColumn)!
            let yIndex = result.columnIndex(yName)!
            var seriesNames: [String] = []
            var cells: [String: [String: Double]] = [:]
            for row in rows {
                let category = row[xIndex].description, name = row[seriesIndex].description
                if !categories.contains(category) { categories.append(category) }
                if !seriesNames.contains(name) { seriesNames.append(name) }
                cells[name, default: [:]][category] = row[yIndex].double
            }
            series = seriesNames.map { name in ChartSpec.Series(name: name, values: categories.map { cells[name]?[$0] }) }
        } else {
            categories = rows.map { $0[xIndex].description }
            series = y.map { column in
                let index = result.columnIndex(column)!
                return ChartSpec.Series(name: labels[column] ?? column, values: rows.map { $0[index].double })
            }
        }
        let locale = blocks.environment.locale
        let strings = blocks.environment.strings
        let spec = ChartSpec(kind: kind!, id: blocks.nextID("chart"), title: title, categories: categories, series: series,
                             formatValue: { locale.format(.real($0), as: format) }, target: target,
                             targetLabel: strings["target"], height: height, categoryLabel: labels[x!] ?? x!,
                             tableCaption: strings["data_table"])
        return SVGChart.render(spec)
    }
}
