/// A fast reader for the front matter most pages have — `key: value` lines with plain or
/// quoted scalars and `[a, b]` lists — that gives exactly what YAML would. Anything else
/// (nesting, block lists, escapes, anchors, multi-line values, keys that are not ASCII, a
/// value starting or ending in a non-ASCII space) returns nil, and the caller uses the full
/// YAML parser. It reads UTF-8 bytes: every page of the site goes through it.
enum SimpleYAML {
    static func parse(_ text: String, lineOffset: Int) -> YAMLNode? {
        var text = text
        return text.withUTF8 { parse($0, lineOffset: lineOffset) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, lineOffset: Int) -> YAMLNode? {
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        pairs.reserveCapacity(8)
        var lineNumber = lineOffset
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != newline { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var end = lineEnd
            if end > lineStart && bytes[end - 1] == carriageReturn { end -= 1 }
            if bytes[lineStart..<end].allSatisfy({ $0 == space }) || bytes[lineStart] == hash { continue }
            guard isKeyStart(bytes[lineStart]) else { return nil }
            var colon = lineStart
            while colon < end && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < end, bytes[lineStart..<colon].allSatisfy({ isKeyStart($0) || $0 == UInt8(ascii: "-") }) else { return nil }
            let key = String(decoding: bytes[lineStart..<colon], as: UTF8.self)
            // A repeated key is left to YAML. (Front matter has a handful of keys: comparing
            // with each costs less than hashing them.)
            guard !pairs.contains(where: { $0.key.scalar == key }) else { return nil }
            var valueStart = colon + 1
            guard valueStart == end || bytes[valueStart] == space else { return nil }
            while valueStart < end && bytes[valueStart] == space { valueStart += 1 }
            // The key and the spaces are ASCII: the column is the byte offset.
            let column = valueStart - lineStart + 1
            guard let node = scalarOrList(bytes, valueStart..<end, line: lineNumber, column: column) else { return nil }
            pairs.append((YAMLNode(.scalar(key, quoted: false), line: lineNumber, column: 1), node))
        }
        if pairs.isEmpty { return nil }
        return YAMLNode(.mapping(pairs), line: pairs[0].key.line, column: 1)
    }

    private static func scalarOrList(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Range<Int>, line: Int, column: Int) -> YAMLNode? {
        // An empty value may start a nested block on the next lines: leave that to YAML.
        guard let first = value.first.map({ bytes[$0] }) else { return nil }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        /// `: ` (a mapping) or ` #` (a comment) anywhere in the value, in one pass.
        func hasMappingOrComment(_ range: Range<Int>) -> Bool {
            var index = range.lowerBound
            while index + 1 < range.upperBound {
                let byte = bytes[index], next = bytes[index + 1]
                if (byte == UInt8(ascii: ":") && next == space) || (byte == space && next == hash) { return true }
                index += 1
            }
            return false
        }
        if first == UInt8(ascii: "[") {
            guard bytes[value.upperBound - 1] == UInt8(ascii: "]"), value.count >= 2 else { return nil }
            let inner = value.lowerBound + 1..<value.upperBound - 1
            if bytes[inner].contains(where: { listSpecials.contains($0) }) { return nil }
            var items: [YAMLNode] = []
            var itemStart = inner.lowerBound
            while itemStart <= inner.upperBound {
                var itemEnd = itemStart
                while itemEnd < inner.upperBound && bytes[itemEnd] != UInt8(ascii: ",") { itemEnd += 1 }
                guard let trimmed = trimmed(bytes, itemStart..<itemEnd), !trimmed.isEmpty,
                      !bytes[trimmed].contains(UInt8(ascii: ":")) else { return nil }
                // Columns count characters, as YAML's do: `[` is one, then the item's offset.
                let leading = bytes[itemStart..<itemEnd].prefix { $0 == space }.count
                let itemColumn = column + 1 + scalarCount(bytes, inner.lowerBound..<itemStart) + leading
                items.append(YAMLNode(.scalar(text(trimmed), quoted: false), line: line, column: itemColumn))
                itemStart = itemEnd + 1
            }
            return YAMLNode(.sequence(items), line: line, column: column)
        }
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            let body = value.lowerBound + 1..<value.upperBound
            guard let end = body.first(where: { bytes[$0] == first }),
                  trimmed(bytes, end + 1..<value.upperBound)?.isEmpty == true else { return nil }
            if first == UInt8(ascii: "\"") && bytes[body.lowerBound..<end].contains(UInt8(ascii: "\\")) { return nil }
            return YAMLNode(.scalar(text(body.lowerBound..<end), quoted: true), line: line, column: column)
        }
        // Plain scalars: nothing YAML would read as structure, a comment or another type of node.
        if plainStartSpecials.contains(first) || hasMappingOrComment(value)
            || bytes[value.upperBound - 1] == UInt8(ascii: ":") {
            return nil
        }
        guard let scalar = trimmed(bytes, value) else { return nil }
        return YAMLNode(.scalar(text(scalar), quoted: false), line: line, column: column)
    }

    /// The range without ASCII white space at either end; nil when a non-ASCII character
    /// stands at an end (it may be white space, which YAML and Swift see differently).
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        var low = range.lowerBound, high = range.upperBound
        while low < high && isASCIISpace(bytes[low]) { low += 1 }
        while high > low && isASCIISpace(bytes[high - 1]) { high -= 1 }
        if low < high && (bytes[low] >= 0x80 || bytes[high - 1] >= 0x80) {
            var lastStart = high - 1
            while lastStart > low && bytes[lastStart] & 0xC0 == 0x80 { lastStart -= 1 }
            for start in [low, lastStart] {
                var iterator = bytes[start..<high].makeIterator()
                var decoder = UTF8()
                guard case .scalarValue(let scalar) = decoder.decode(&iterator), !scalar.properties.isWhitespace else { return nil }
            }
        }
        return low..<high
    }

    private static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        bytes[range].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private static func isKeyStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool { byte == space || (byte >= 0x09 && byte <= 0x0D) }

    private static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " "), hash = UInt8(ascii: "#")
    private static let listSpecials = Set("[]{}\"'#&*!|>%@`".utf8)
    private static let plainStartSpecials = Set("{&*!|>%@`-?,]".utf8)
}
