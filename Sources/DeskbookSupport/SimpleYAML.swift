/// A fast reader for the front matter most pages have — `key: value` lines with plain or
/// quoted scalars and `[a, b]` lists — that gives exactly what YAML would. Anything else
/// (nesting, block lists, escapes, anchors, multi-line values) returns nil, and the caller
/// uses the full YAML parser. Reading thousands of pages, this saves most of the YAML cost.
enum SimpleYAML {
    static func parse(_ text: String, lineOffset: Int) -> YAMLNode? {
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var seen = Set<Substring>()
        var lineNumber = lineOffset
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " }) || line.first == "#" { continue }
            guard let first = line.first, first.isLetter || first.isNumber || first == "_" else { return nil }
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[..<colon]
            guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), seen.insert(key).inserted else { return nil }
            var valueStart = line.index(after: colon)
            guard valueStart == line.endIndex || line[valueStart] == " " else { return nil }
            while valueStart < line.endIndex && line[valueStart] == " " { valueStart = line.index(after: valueStart) }
            let value = line[valueStart...]
            let column = line.distance(from: line.startIndex, to: valueStart) + 1
            guard let node = scalarOrList(value, line: lineNumber, column: column) else { return nil }
            pairs.append((YAMLNode(.scalar(String(key), quoted: false), line: lineNumber, column: 1), node))
        }
        if pairs.isEmpty { return nil }
        return YAMLNode(.mapping(pairs), line: pairs[0].key.line, column: 1)
    }

    static func scalarOrList(_ value: Substring, line: Int, column: Int) -> YAMLNode? {
        // An empty value may start a nested block on the next lines: leave that to YAML.
        guard let first = value.first else { return nil }
        if first == "[" {
            guard value.last == "]" else { return nil }
            let inner = value.dropFirst().dropLast()
            var items: [YAMLNode] = []
            if inner.contains(where: { "[]{}\"'#&*!|>%@`".contains($0) }) { return nil }
            for item in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = item.trimmingWhitespace
                guard !trimmed.isEmpty, trimmed.firstIndex(of: ":") == nil else { return nil }
                // Columns count characters, as YAML's do: `[` is one, then the item's offset.
                let leading = item.prefix { $0 == " " }.count
                let itemColumn = column + 1 + inner.distance(from: inner.startIndex, to: item.startIndex) + leading
                items.append(YAMLNode(.scalar(trimmed, quoted: false), line: line, column: itemColumn))
            }
            if inner.trimmingWhitespace.isEmpty { items = [] }
            return YAMLNode(.sequence(items), line: line, column: column)
        }
        if first == "\"" {
            let body = value.dropFirst()
            guard let end = body.firstIndex(of: "\""), body[body.index(after: end)...].trimmingWhitespace.isEmpty,
                  !body[..<end].contains("\\") else { return nil }
            return YAMLNode(.scalar(String(body[..<end]), quoted: true), line: line, column: column)
        }
        if first == "'" {
            let body = value.dropFirst()
            guard let end = body.firstIndex(of: "'"), body[body.index(after: end)...].trimmingWhitespace.isEmpty else { return nil }
            return YAMLNode(.scalar(String(body[..<end]), quoted: true), line: line, column: column)
        }
        // Plain scalars: nothing YAML would read as structure, a comment or another type of node.
        if "{&*!|>%@`-?,]".contains(first) || value.contains(": ") || value.contains(" #") || value.hasSuffix(":") { return nil }
        return YAMLNode(.scalar(value.trimmingWhitespace, quoted: false), line: line, column: column)
    }
}
