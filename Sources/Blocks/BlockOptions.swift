import DeskbookData
import DeskbookSupport

/// The YAML body of a `chart`, `table` or `kpi` block, read key by key with errors at the
/// line of the value that is wrong.
struct BlockOptions {
    let root: YAMLNode
    let path: String
    let kind: String
    private(set) var problems: [Diagnostic] = []

    /// Parses the block; `line` is the file line of the opening fence.
    init(literal: String, line: Int, path: String, kind: String, knownKeys: Set<String>) throws(Diagnostic) {
        guard let node = try YAMLNode.parse(literal, path: path, lineOffset: line), node.mapping != nil else {
            throw Diagnostic.error(path, line: line, "a \(kind) block holds keys like 'data: query_name'")
        }
        root = node
        self.path = path
        self.kind = kind
        for (key, _) in node.mapping! {
            let name = key.scalar ?? ""
            if !knownKeys.contains(name) {
                problems.append(.error(path, line: key.line, column: key.column,
                                       "unknown \(kind) option '\(name)'; known: \(knownKeys.sorted().joined(separator: ", "))"))
            }
        }
    }

    func node(_ key: String) -> YAMLNode? { root[key].flatMap { $0.isNull ? nil : $0 } }

    mutating func fail(_ node: YAMLNode?, _ message: String) {
        problems.append(.error(path, line: node?.line ?? root.line, column: node?.column ?? 1, message))
    }

    mutating func string(_ key: String) -> String? {
        guard let value = node(key) else { return nil }
        guard let text = value.scalar else { fail(value, "\(key) must be text, not \(value.kindDescription)"); return nil }
        return text
    }

    mutating func required(_ key: String) -> String? {
        guard let text = string(key) else {
            if node(key) == nil { fail(root, "the \(kind) block needs '\(key):'") }
            return nil
        }
        return text
    }

    /// A word or a list of words: `y: amount` or `y: [amount, target]`.
    mutating func list(_ key: String) -> [String]? {
        guard let value = node(key) else { return nil }
        guard let items = value.stringList else { fail(value, "\(key) must be a name or a list of names"); return nil }
        return items
    }

    mutating func number(_ key: String) -> Double? {
        guard let value = node(key) else { return nil }
        guard let number = value.double else { fail(value, "\(key) must be a number, not \(value.kindDescription)"); return nil }
        return number
    }

    mutating func integer(_ key: String) -> Int? {
        guard let value = node(key) else { return nil }
        guard let number = value.int, number > 0 else { fail(value, "\(key) must be a whole number above 0"); return nil }
        return number
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = node(key) else { return nil }
        guard let flag = value.bool else { fail(value, "\(key) must be true or false"); return nil }
        return flag
    }

    /// `format: money` for one value, or `format: {amount: money}` per column.
    mutating func formats(_ key: String = "format") -> (single: ValueFormat?, perColumn: [String: ValueFormat]) {
        guard let value = node(key) else { return (nil, [:]) }
        func parse(_ node: YAMLNode) -> ValueFormat? {
            guard let text = node.scalar, let format = ValueFormat(rawValue: text) else {
                fail(node, "unknown format \(node.kindDescription); use one of \(ValueFormat.names)")
                return nil
            }
            return format
        }
        if let pairs = value.mapping {
            var formats: [String: ValueFormat] = [:]
            for (column, formatNode) in pairs { if let name = column.scalar, let format = parse(formatNode) { formats[name] = format } }
            return (nil, formats)
        }
        return (parse(value), [:])
    }

    /// `labels: {amount: 金額}`.
    mutating func labels(_ key: String = "labels") -> [String: String] {
        guard let value = node(key) else { return [:] }
        guard let pairs = value.mapping else { fail(value, "\(key) must map column names to labels"); return [:] }
        var labels: [String: String] = [:]
        for (column, label) in pairs { if let name = column.scalar, let text = label.scalar { labels[name] = text } }
        return labels
    }

    /// Checks that every named column is in the result, listing those that are.
    mutating func requireColumns(_ names: [String], key: String, in result: QueryResult, query: String) {
        for name in names where result.columnIndex(name) == nil {
            fail(node(key), "no column '\(name)' in \(query); available: \(result.columns.joined(separator: ", "))")
        }
    }
}
