import Content
import DeskbookData
import DeskbookSupport

/// ```` ```kpi ```` — one headline number from the first row of a query.
///
///     data: totals
///     value: amount
///     label: 本月成交
///     format: money
///     compare: previous_amount   # a column: shows the change with an arrow and percentage
///     down_is_good: false        # true for complaints, overdue money …
///     target: target_amount      # a column or a number: shows attainment
enum KPIBlock {
    static let keys: Set<String> = ["data", "value", "label", "format", "compare", "down_is_good", "target"]

    static func render(_ block: FencedBlock, blocks: PageBlocks) throws(Diagnostic) -> String {
        var (options, result, query) = try blocks.options(block, kind: "kpi", keys: keys)
        let valueColumn = options.required("value")
        let label = options.string("label")
        let format = options.formats().single
        let compare = options.string("compare")
        let downIsGood = options.bool("down_is_good") ?? false
        let targetNode = options.node("target")
        options.requireColumns([valueColumn, compare].compactMap { $0 }, key: "value", in: result, query: query)
        var target: Double?
        if let targetNode {
            if let number = targetNode.double { target = number } else if let column = targetNode.scalar {
                options.requireColumns([column], key: "target", in: result, query: query)
                target = result.first(column)?.double
            }
        }
        if let problem = options.problems.first { throw problem }

        let locale = blocks.environment.locale
        let strings = blocks.environment.strings
        let value = result.first(valueColumn!) ?? .null
        var html = "<div class=\"kpi\"><p class=\"kpi-label\">\(Escape.html(label ?? valueColumn!))</p>"
        html += "<p class=\"kpi-value\">\(Escape.html(locale.format(value, as: format)))</p>"
        if let compare, let previous = result.first(compare)?.double, let current = value.double {
            let change = current - previous
            let direction = change > 0 ? "up" : change < 0 ? "down" : "flat"
            let good = change == 0 ? "neutral" : ((change < 0) == downIsGood ? "good" : "bad")
            let arrow = change > 0 ? "▲" : change < 0 ? "▼" : "■"
            // A change in a rate reads as points (96.6% after 76.0% is +20.6 points), any other
            // change as a percentage of the previous value.
            let percent = format == .percent
                ? locale.format(.real(abs(change) * 100), as: .number) + " " + strings["percentage_points"]
                : previous != 0 ? locale.format(.real(abs(change) / abs(previous)), as: .percent) : "—"
            html += "<p class=\"kpi-delta \(direction) \(good)\"><span aria-hidden=\"true\">\(arrow)</span> \(Escape.html(percent))"
            html += " <span class=\"kpi-previous\">\(Escape.html(strings["compared_with"])) \(Escape.html(locale.format(.real(previous), as: format)))</span></p>"
        }
        if let target, let current = value.double, target != 0 {
            let attainment = current / target
            html += "<p class=\"kpi-target\">\(Escape.html(strings["attainment"])) \(Escape.html(locale.format(.real(attainment), as: .percent)))"
            html += " <span class=\"kpi-previous\">\(Escape.html(strings["target"])) \(Escape.html(locale.format(.real(target), as: format)))</span></p>"
            html += "<meter min=\"0\" max=\"1\" low=\"0.8\" optimum=\"1\" value=\"\(min(max(attainment, 0), 1))\" aria-hidden=\"true\"></meter>"
        }
        return html + "</div>"
    }
}
