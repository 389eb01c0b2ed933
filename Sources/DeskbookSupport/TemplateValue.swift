/// A value a template shows: text (escaped by `{{ }}`), HTML the build made (inserted as it
/// is by `{{{ }}}`), a number, a flag, a list, or a map of named values. Typed rather than
/// `Any`: rendering every page of a site looks values up hundreds of thousands of times, and a
/// case is told by its tag where an `Any` needed its type compared, or cast.
public enum TemplateValue: Sendable {
    case text(String)
    case html(HTMLBytes)
    case number(Int)
    case flag(Bool)
    case list([TemplateValue])
    case map(TemplateMap)

    /// A list of maps: the usual shape of what a section repeats.
    public static func maps(_ maps: [TemplateMap]) -> TemplateValue { .list(maps.map(TemplateValue.map)) }

    /// The map, when this is one.
    public var asMap: TemplateMap? {
        if case .map(let map) = self { return map }
        return nil
    }

    /// The list, when this is one.
    public var asList: [TemplateValue]? {
        if case .list(let items) = self { return items }
        return nil
    }

    /// The value as text, as `{{name}}` shows it before escaping: a list's items joined by
    /// commas (as in JavaScript Mustache), nothing for a map.
    public var shownText: String {
        switch self {
        case .text(let text): text
        case .html(let html): html.text
        case .number(let number): String(number)
        case .flag(let flag): flag ? "true" : "false"
        case .list(let items): items.map(\.shownText).joined(separator: ",")
        case .map: ""
        }
    }

    /// False, and empty lists, hide a section (and show an inverted one); anything else shows it.
    public var isTruthy: Bool {
        switch self {
        case .flag(let flag): flag
        case .list(let items): !items.isEmpty
        case .text, .html, .number, .map: true
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
                         ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral text: String) { self = .text(text) }
    public init(integerLiteral number: Int) { self = .number(number) }
    public init(booleanLiteral flag: Bool) { self = .flag(flag) }
    public init(arrayLiteral items: TemplateValue...) { self = .list(items) }
    public init(dictionaryLiteral pairs: (String, TemplateValue)...) { self = .map(TemplateMap(pairs)) }
}

extension TemplateValue: Equatable {}

/// A name in a template map, with a cheap hash of it (FNV-1a) worked out once: templates find
/// their names' keys by it, and a template's names are hashed when it is parsed.
public struct TemplateKey: Sendable, Equatable {
    public let text: String
    public let code: UInt64

    public init(_ text: String) {
        self.text = text
        // Over the bytes in place: iterating `utf8` costs several times as much per byte.
        var text = text
        code = text.withUTF8 { bytes in
            var code: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { code = (code ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return code
        }
    }

    public static func == (left: TemplateKey, right: TemplateKey) -> Bool { left.code == right.code && left.text == right.text }
}

/// Named values: what a template renders with, and what `{{#name}}` opens. The entries are
/// kept in a plain array and found by comparing hashes one after another: the maps a page
/// makes hold a few to a few dozen values, and for so few this costs less than building and
/// searching a `Dictionary` (whose string hashing alone costs more than the whole search).
public struct TemplateMap: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var entries: [(key: TemplateKey, value: TemplateValue)] = []

    public init() {}

    public init(dictionaryLiteral pairs: (String, TemplateValue)...) { self.init(pairs) }

    /// The pairs' values by their names; a name given twice keeps its later value.
    public init(_ pairs: [(String, TemplateValue)]) {
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

    private func position(of key: TemplateKey) -> Int? {
        entries.firstIndex { $0.key == key }
    }

    public subscript(key: TemplateKey) -> TemplateValue? {
        guard let position = position(of: key) else { return nil }
        return entries[position].value
    }

    /// A value by name; setting nil removes it.
    public subscript(name: String) -> TemplateValue? {
        get { self[TemplateKey(name)] }
        set {
            let key = TemplateKey(name)
            switch (position(of: key), newValue) {
            case (let position?, let value?): entries[position].value = value
            case (let position?, nil): entries.remove(at: position)
            case (nil, let value?): entries.append((key, value))
            case (nil, nil): break
            }
        }
    }

    /// The same values, in any order.
    public static func == (left: TemplateMap, right: TemplateMap) -> Bool {
        left.count == right.count && left.entries.allSatisfy { right[$0.key] == $0.value }
    }
}
