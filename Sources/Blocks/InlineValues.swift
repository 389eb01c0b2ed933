import Content
import DeskbookData
import DeskbookSupport

/// `{{ totals.units }}` and `{{ totals.amount | money }}` in prose: the first row's value of
/// a query's column, formatted. The text goes back into the Markdown tree as text, so it is
/// escaped like any other.
enum InlineValues {
    static func substitute(_ literal: String, line: Int, blocks: PageBlocks) -> Result<String, Diagnostic>? {
        var output = ""
        var rest = Substring(literal)
        var changed = false
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            output += rest[..<open.lowerBound]
            let expression = rest[open.upperBound..<close.lowerBound]
            switch value(of: expression, line: line, blocks: blocks) {
            case .success(let text): output += text
            case .failure(let diagnostic): return .failure(diagnostic)
            }
            rest = rest[close.upperBound...]
            changed = true
        }
        guard changed else { return nil }
        return .success(output + rest)
    }

    static func value(of expression: Substring, line: Int, blocks: PageBlocks) -> Result<String, Diagnostic> {
        let path = blocks.page.diagnosticPath
        // Empty parts kept: `{{}}` and `{{ | money }}` get the message below, not a missing part.
        let parts = expression.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingWhitespace }
        let reference = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
        guard reference.count == 2 else {
            return .failure(.error(path, line: line, "write an inline value as {{ query.column }} or {{ query.column | format }}, not {{\(expression)}}"))
        }
        var format: ValueFormat?
        if parts.count == 2 {
            guard let named = ValueFormat(rawValue: parts[1]) else {
                return .failure(.error(path, line: line, "unknown format '\(parts[1])'; use one of \(ValueFormat.names)"))
            }
            format = named
        }
        switch blocks.catalog.result(reference[0], at: YAMLNode(.scalar("", quoted: false), line: line, column: 1)) {
        case .failure(let diagnostic):
            return .failure(diagnostic)
        case .success(let result):
            guard result.columnIndex(reference[1]) != nil else {
                return .failure(.error(path, line: line, "no column '\(reference[1])' in \(reference[0]); available: \(result.columns.joined(separator: ", "))"))
            }
            guard let value = result.first(reference[1]) else { return .success(blocks.environment.strings["no_rows"]) }
            return .success(blocks.environment.locale.format(value, as: format))
        }
    }
}
