/// A YAML value that remembers where it stood in its file, so that a wrong value in front
/// matter, config or a data block is reported at its own line and column.
public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        /// `quoted` is false for plain scalars, the only ones that may mean null, true or 42.
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var value: Value
    public var line: Int
    public var column: Int

    public init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// Parses `text`; `lineOffset` is the number of lines in the file before `text` begins.
    /// Returns nil for an empty document.
    /// `fastPath: false` always uses the full YAML parser (tests compare the two).
    public static func parse(_ text: String, path: String, lineOffset: Int = 0, fastPath: Bool = true) throws(Diagnostic) -> YAMLNode? {
        if fastPath, let simple = SimpleYAML.parse(text, lineOffset: lineOffset) { return simple }
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(Diagnostic) in try YAMLComposer(utf8, path: path, lineOffset: lineOffset).document() }
        }.get()
    }

    // MARK: Reading values

    public var isNull: Bool {
        if case .scalar(let text, false) = value {
            return text.isEmpty || (Self.mayBeKeyword(text) && (text == "~" || text == "null" || text == "Null" || text == "NULL"))
        }
        return false
    }

    /// Whether `text` may be one of YAML's words for nothing, true and false (`~`, `null`,
    /// `yes`, `off`…): at most five bytes, starting with one of theirs. Most scalars (titles,
    /// summaries, dates) are told apart by that, without being compared with each word.
    @inline(__always)
    static func mayBeKeyword(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count <= 5, let first = utf8.first else { return false }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"),
             UInt8(ascii: "F"), UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            return true
        default:
            return false
        }
    }

    /// The text of a scalar; nil for lists and maps.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    public var bool: Bool? {
        guard case .scalar(let text, false) = value, Self.mayBeKeyword(text) else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "on": return true
        case "false", "False", "FALSE", "no", "No", "off": return false
        default: return nil
        }
    }

    public var int: Int? {
        guard case .scalar(let text, false) = value else { return nil }
        return Int(text)
    }

    public var double: Double? {
        guard case .scalar(let text, false) = value else { return nil }
        return Double(text)
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// A scalar or a list of scalars, as authors write tags either way.
    public var stringList: [String]? {
        switch value {
        case .sequence(let items):
            // A loop rather than `compactMap(\.scalar)`: every page's tags come through here.
            var strings: [String] = []
            strings.reserveCapacity(items.count)
            for item in items {
                guard case .scalar(let text, _) = item.value else { return nil }
                strings.append(text)
            }
            return strings
        case .scalar(let text, _):
            return isNull ? [] : [text]
        case .mapping:
            return nil
        }
    }

    /// The value as templates see it: an unquoted `true`, `false` or whole number as a flag or
    /// number, null as empty text, any other scalar as text; lists and maps as theirs.
    public var templateValue: TemplateValue {
        switch value {
        case .scalar(let text, let quoted):
            if !quoted {
                if isNull { return .text("") }
                if let bool { return .flag(bool) }
                if let int = Int(text) { return .number(int) }
            }
            return .text(text)
        case .sequence(let items):
            return .list(items.map(\.templateValue))
        case .mapping(let pairs):
            var dictionary: TemplateMap = [:]
            for pair in pairs { dictionary[pair.key.scalar ?? ""] = pair.value.templateValue }
            return .map(dictionary)
        }
    }

    /// A short description of the kind of value, for error messages.
    public var kindDescription: String {
        switch value {
        case .scalar(let text, _): return "'\(text)'"
        case .sequence: return "a list"
        case .mapping: return "a map"
        }
    }
}

extension YAMLNode {
    /// The value as a comparable description, without positions of nested nodes' keys.
    public var shape: String {
        switch value {
        case .scalar(let text, let quoted): return (quoted ? "q:" : "p:") + text + "@\(line):\(column)"
        case .sequence(let items): return "[" + items.map(\.shape).joined(separator: ",") + "]@\(line):\(column)"
        case .mapping(let pairs): return "{" + pairs.map { "\($0.key.scalar ?? ""):\($0.value.shape)" }.joined(separator: ",") + "}"
        }
    }
}
