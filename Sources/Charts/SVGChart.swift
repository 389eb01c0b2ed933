import DeskbookSupport

/// Draws a chart as inline SVG at build time: no script is needed to see it. Colours come
/// from CSS classes (`s0` … `s7`) so the theme decides them for light, dark and print; text
/// uses `currentColor`. The drawing is an accessible image (role, title, description), and
/// its numbers follow in a table for screen readers and for anyone who wants them exact.
public enum SVGChart {
    static let width = 640.0
    static let paletteSize = 8

    public static func render(_ spec: ChartSpec) -> String {
        let body: String
        let height: Double
        switch spec.kind {
        case .donut: (body, height) = donut(spec)
        case .hbar: (body, height) = horizontalBars(spec)
        case .bar, .stackedBar, .line, .area: (body, height) = cartesian(spec)
        }
        let titleID = "\(spec.id)-title"
        let descriptionID = "\(spec.id)-desc"
        var svg = "<figure class=\"chart chart-\(spec.kind.rawValue)\" id=\"\(spec.id)\">"
        if !spec.title.isEmpty { svg += "<figcaption>\(Escape.html(spec.title))</figcaption>" }
        svg += "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(titleID) \(descriptionID)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title id=\"\(titleID)\">\(Escape.html(spec.title))</title>"
        svg += "<desc id=\"\(descriptionID)\">\(Escape.html(description(spec)))</desc>"
        svg += body
        svg += "</svg>"
        if spec.series.count > 1 || spec.kind == .donut { svg += legend(spec) }
        svg += dataTable(spec)
        svg += "</figure>"
        return svg
    }

    /// One sentence a screen reader says before the table: what is drawn and the extremes.
    static func description(_ spec: ChartSpec) -> String {
        guard let first = spec.series.first else { return spec.title }
        let pairs = zip(spec.categories, first.values).compactMap { category, value in value.map { (category, $0) } }
        guard let highest = pairs.max(by: { $0.1 < $1.1 }), let lowest = pairs.min(by: { $0.1 < $1.1 }) else { return spec.title }
        return "\(spec.title): \(pairs.count) × \(first.name); max \(highest.0) \(spec.formatValue(highest.1)), min \(lowest.0) \(spec.formatValue(lowest.1))"
    }

    // MARK: Axes and scales

    /// A "nice" axis maximum and step: 0, 250, 500, 750, 1000 rather than 0, 233, 466 ….
    static func niceScale(maximum: Double, minimum: Double = 0) -> (low: Double, high: Double, step: Double) {
        let span = max(maximum - minimum, 1e-9)
        let rough = span / 4
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        let low = (minimum / step).rounded(.down) * step
        let high = (maximum / step).rounded(.up) * step
        return (low, high == low ? low + step : high, step)
    }

    /// Long labels are shortened to fit; the full text stays in a `<title>` the pointer shows.
    static func shortened(_ text: String, maxWidth: Double) -> String {
        var width = 0.0
        var out = ""
        for character in text {
            let cost = character.isASCII ? 0.55 : 1.0
            if width + cost > maxWidth - 1 {
                return out + "…"
            }
            width += cost
            out.append(character)
        }
        return out
    }

    /// Width of a label in character units: CJK counts 1, ASCII about half.
    static func textWidth(_ text: String) -> Double {
        text.reduce(0) { $0 + ($1.isASCII ? 1 : 1.8) }
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func allValues(_ spec: ChartSpec, stacked: Bool) -> [Double] {
        if stacked {
            return spec.categories.indices.map { index in spec.series.reduce(0) { $0 + max($1.values[index] ?? 0, 0) } }
        }
        return spec.series.flatMap { $0.values.compactMap { $0 } }
    }

    // MARK: Vertical bars, stacked bars, lines and areas

    static func cartesian(_ spec: ChartSpec) -> (String, Double) {
        let height = Double(spec.height ?? 300)
        let right = 12.0, top = 16.0, bottom = 44.0
        let plotHeight = height - top - bottom
        let stacked = spec.kind == .stackedBar
        var values = allValues(spec, stacked: stacked)
        if let target = spec.target { values.append(target) }
        let scale = niceScale(maximum: values.max() ?? 1, minimum: min(values.min() ?? 0, 0))
        func y(_ value: Double) -> Double { top + plotHeight - (value - scale.low) / (scale.high - scale.low) * plotHeight }
        // Room on the left for the widest tick label (about 7 units per character at 11px).
        let widestTick = [scale.low, scale.high].map { textWidth(spec.formatValue($0)) }.max() ?? 4
        let left = min(160, max(40, widestTick * 6.6 + 10))
        var svg = axis(scale: scale, y: y, left: left, right: width - right, format: spec.formatValue)

        let plotWidth = width - left - right
        let count = max(spec.categories.count, 1)
        let band = plotWidth / Double(count)
        let labelEvery = max(1, Int((Double(count) * 44 / plotWidth).rounded(.up)))
        for (index, category) in spec.categories.enumerated() where index % labelEvery == 0 {
            let x = left + band * (Double(index) + 0.5)
            let label = shortened(category, maxWidth: Double(labelEvery) * band / 12)
            svg += "<text class=\"label\" x=\"\(number(x))\" y=\"\(number(height - bottom + 18))\" text-anchor=\"middle\">"
            svg += "<title>\(Escape.html(category))</title>\(Escape.html(label))</text>"
        }

        switch spec.kind {
        case .bar, .stackedBar:
            let groupWidth = band * 0.72
            let barWidth = stacked ? groupWidth : groupWidth / Double(max(spec.series.count, 1))
            for index in spec.categories.indices {
                var base = 0.0
                for (seriesIndex, series) in spec.series.enumerated() {
                    guard let value = series.values[index] else { continue }
                    let x = left + band * Double(index) + (band - groupWidth) / 2 + (stacked ? 0 : barWidth * Double(seriesIndex))
                    let from = stacked ? base : 0
                    let to = stacked ? base + max(value, 0) : value
                    if stacked { base = to }
                    let top = y(max(from, to)), bottomY = y(min(from, to))
                    svg += "<rect class=\"s\(seriesIndex % paletteSize)\" x=\"\(number(x))\" y=\"\(number(top))\" width=\"\(number(max(barWidth - 1, 1)))\" height=\"\(number(max(bottomY - top, 0.5)))\">"
                    svg += "<title>\(Escape.html(spec.categories[index])) · \(Escape.html(series.name)): \(Escape.html(spec.formatValue(value)))</title></rect>"
                }
            }
        case .line, .area:
            for (seriesIndex, series) in spec.series.enumerated() {
                let points = series.values.enumerated().compactMap { index, value in
                    value.map { (left + band * (Double(index) + 0.5), y($0), index, $0) }
                }
                guard !points.isEmpty else { continue }
                let path = points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
                let palette = seriesIndex % paletteSize
                if spec.kind == .area {
                    let baseline = number(y(max(scale.low, 0)))
                    svg += "<polygon class=\"area s\(palette)\" points=\"\(number(points.first!.0)),\(baseline) \(path) \(number(points.last!.0)),\(baseline)\"/>"
                }
                svg += "<polyline class=\"line s\(palette)\" points=\"\(path)\"/>"
                for point in points {
                    svg += "<circle class=\"dot s\(palette)\" cx=\"\(number(point.0))\" cy=\"\(number(point.1))\" r=\"3\">"
                    svg += "<title>\(Escape.html(spec.categories[point.2])) · \(Escape.html(series.name)): \(Escape.html(spec.formatValue(point.3)))</title></circle>"
                }
            }
        default: break
        }
        if let target = spec.target { svg += targetLine(spec, y: y(target), left: left, right: width - right) }
        return (svg, height)
    }

    static func axis(scale: (low: Double, high: Double, step: Double), y: (Double) -> Double, left: Double, right: Double,
                     format: (Double) -> String) -> String {
        var svg = ""
        var tick = scale.low
        while tick <= scale.high + scale.step / 2 {
            let position = number(y(tick))
            svg += "<line class=\"grid\" x1=\"\(number(left))\" x2=\"\(number(right))\" y1=\"\(position)\" y2=\"\(position)\"/>"
            svg += "<text class=\"tick\" x=\"\(number(left - 6))\" y=\"\(position)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Escape.html(format(tick)))</text>"
            tick += scale.step
        }
        return svg
    }

    static func targetLine(_ spec: ChartSpec, y: Double, left: Double, right: Double) -> String {
        let label = "\(spec.targetLabel) \(spec.formatValue(spec.target ?? 0))"
        return "<line class=\"target\" x1=\"\(number(left))\" x2=\"\(number(right))\" y1=\"\(number(y))\" y2=\"\(number(y))\"/>"
            + "<text class=\"target-label\" x=\"\(number(right))\" y=\"\(number(y - 5))\" text-anchor=\"end\">\(Escape.html(label))</text>"
    }

    // MARK: Horizontal bars (leaderboards)

    static func horizontalBars(_ spec: ChartSpec) -> (String, Double) {
        let rowHeight = 26.0
        let top = 8.0, bottom = 24.0
        let labelWidth = 150.0, valueWidth = 96.0
        let height = Double(spec.height ?? Int(top + bottom + rowHeight * Double(max(spec.categories.count, 1))))
        let plotWidth = width - labelWidth - valueWidth - 8
        let stacked = spec.series.count > 1
        var values = allValues(spec, stacked: stacked)
        if let target = spec.target { values.append(target) }
        let high = max(values.max() ?? 1, 1e-9)
        let row = (height - top - bottom) / Double(max(spec.categories.count, 1))
        func x(_ value: Double) -> Double { labelWidth + max(value, 0) / high * plotWidth }
        var svg = ""
        for (index, category) in spec.categories.enumerated() {
            let y = top + row * Double(index)
            svg += "<text class=\"label\" x=\"\(number(labelWidth - 8))\" y=\"\(number(y + row / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += "<title>\(Escape.html(category))</title>\(Escape.html(shortened(category, maxWidth: 11)))</text>"
            var base = 0.0
            for (seriesIndex, series) in spec.series.enumerated() {
                guard let value = series.values[index] else { continue }
                let from = x(base), to = x(base + value)
                base += max(value, 0)
                svg += "<rect class=\"s\(seriesIndex % paletteSize)\" x=\"\(number(from))\" y=\"\(number(y + row * 0.15))\" width=\"\(number(max(to - from, 0.5)))\" height=\"\(number(row * 0.7))\">"
                svg += "<title>\(Escape.html(category)) · \(Escape.html(series.name)): \(Escape.html(spec.formatValue(value)))</title></rect>"
            }
            let total = spec.series.reduce(0) { $0 + ($1.values[index] ?? 0) }
            svg += "<text class=\"value\" x=\"\(number(x(base) + 6))\" y=\"\(number(y + row / 2))\" dominant-baseline=\"middle\">\(Escape.html(spec.formatValue(total)))</text>"
        }
        if let target = spec.target {
            let position = number(x(target))
            svg += "<line class=\"target\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(number(top))\" y2=\"\(number(height - bottom))\"/>"
            svg += "<text class=\"target-label\" x=\"\(position)\" y=\"\(number(height - 6))\" text-anchor=\"middle\">\(Escape.html("\(spec.targetLabel) \(spec.formatValue(target))"))</text>"
        }
        return (svg, height)
    }

    // MARK: Donut

    static func donut(_ spec: ChartSpec) -> (String, Double) {
        let height = Double(spec.height ?? 260)
        let center = (x: width / 2, y: height / 2)
        let outer = height / 2 - 10, inner = outer * 0.58
        let values = (spec.series.first?.values ?? []).map { max($0 ?? 0, 0) }
        let total = values.reduce(0, +)
        var svg = ""
        guard total > 0 else { return (svg, height) }
        var angle = -Double.pi / 2
        for (index, value) in values.enumerated() where value > 0 {
            let sweep = value / total * 2 * Double.pi
            let end = angle + min(sweep, 2 * Double.pi - 1e-6)
            let large = sweep > Double.pi ? 1 : 0
            func point(_ radius: Double, _ theta: Double) -> String {
                "\(number(center.x + radius * cosine(theta))),\(number(center.y + radius * sine(theta)))"
            }
            let path = "M\(point(outer, angle)) A\(number(outer)),\(number(outer)) 0 \(large) 1 \(point(outer, end)) "
                + "L\(point(inner, end)) A\(number(inner)),\(number(inner)) 0 \(large) 0 \(point(inner, angle)) Z"
            let share = value / total
            svg += "<path class=\"s\(index % paletteSize)\" d=\"\(path)\"><title>\(Escape.html(spec.categories[index])): "
            svg += "\(Escape.html(spec.formatValue(value))) (\(number(share * 100))%)</title></path>"
            angle += sweep
        }
        svg += "<text class=\"donut-total\" x=\"\(number(center.x))\" y=\"\(number(center.y))\" text-anchor=\"middle\" dominant-baseline=\"middle\">\(Escape.html(spec.formatValue(total)))</text>"
        return (svg, height)
    }

    // Trigonometry from the C library (Trigonometry.swift), without Foundation.
    static func sine(_ value: Double) -> Double { _sin(value) }
    static func cosine(_ value: Double) -> Double { _cos(value) }

    // MARK: Legend and data table

    static func legend(_ spec: ChartSpec) -> String {
        let names = spec.kind == .donut ? spec.categories : spec.series.map(\.name)
        var html = "<ul class=\"chart-legend\">"
        for (index, name) in names.enumerated() {
            html += "<li><span class=\"swatch s\(index % paletteSize)\" aria-hidden=\"true\"></span>\(Escape.html(name))</li>"
        }
        return html + "</ul>"
    }

    static func dataTable(_ spec: ChartSpec) -> String {
        var html = "<details class=\"chart-data\"><summary>\(Escape.html(spec.tableCaption))</summary><table><thead><tr>"
        html += "<th scope=\"col\">\(Escape.html(spec.categoryLabel))</th>"
        for series in spec.series { html += "<th scope=\"col\">\(Escape.html(series.name))</th>" }
        html += "</tr></thead><tbody>"
        for (index, category) in spec.categories.enumerated() {
            html += "<tr><th scope=\"row\">\(Escape.html(category))</th>"
            for series in spec.series {
                html += "<td class=\"num\">\(series.values[index].map { Escape.html(spec.formatValue($0)) } ?? "—")</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></details>"
    }
}
