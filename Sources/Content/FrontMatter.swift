import DeskbookSupport
import Synchronization

/// The YAML block at the top of a page, with the keys Deskbook understands checked for type.
/// Every key, known or not, stays available to templates through `fields`.
public struct FrontMatter: Sendable {
    public var title: String?
    public var date: CalendarDate?
    public var lastmod: CalendarDate?
    public var summary: String?
    public var tags: [String] = []
    public var weight = 0
    public var draft = false
    public var slug: String?
    public var audience: [String] = []
    public var template: String?
    public var toc: Bool?
    /// Masked columns this page shows unmasked, each with its reason
    /// (`privacy: {allow: [{column: phone, reason: 回撥專員需撥號}]}`).
    public var privacyAllow: [PrivacyAllowance] = []
    /// The `reply` key's value, nil without one, set with the typed fields: a page's reply is
    /// read several times a build (output keys, list items, search documents), which looked
    /// it up among the keys each time.
    public var reply: YAMLNode?
    /// The `each` key's value (a templated page's query), nil without one, set with the typed
    /// fields: every page of the site is asked for it (`TemplatedPages`), and looking it up
    /// among each page's keys waited on memory for milliseconds.
    public var each: YAMLNode?
    /// The `course_id` key's text, set with the typed fields: every page of a site with data is
    /// asked for it (`CourseSessions`), which would otherwise make every page's keys.
    public var courseID: String?

    /// Every key as written, for templates and for the later stages (`params`, `synonyms` …).
    /// Read back from the build cache, they stay its bytes until they are first asked for: a
    /// rebuild reads every page's front matter back, and looks at the keys of the few pages
    /// it renders (`StoredKeys`).
    public var fields: [(key: String, value: YAMLNode)] {
        get {
            switch keys {
            case .made(let fields): fields
            case .stored(let stored): stored.fields
            }
        }
        set { keys = .made(newValue) }
    }

    private var keys = Keys.made([])

    private enum Keys: Sendable {
        case made([(key: String, value: YAMLNode)])
        case stored(StoredKeys)
    }

    public init() {}

    /// Inlined where it is read: called on a page's front matter, it would otherwise copy the
    /// whole front matter first.
    @inlinable public subscript(key: String) -> YAMLNode? {
        for field in fields where field.key == key { return field.value }
        return nil
    }

    enum Expected { case text, date, list, integer, boolean, history, map }

    /// Types of the keys of the authoring contract (DESIGN.md); other keys pass through.
    static let schema: [String: Expected] = [
        "title": .text, "summary": .text, "slug": .text, "template": .text, "data": .text,
        "reply": .text, "trainer": .text, "duration": .text, "course_id": .text, "version": .text,
        "owner": .text, "each": .text,
        "date": .date, "lastmod": .date, "effective": .date,
        "tags": .list, "synonyms": .list, "audience": .list,
        "weight": .integer, "draft": .boolean, "toc": .boolean,
        "history": .history, "params": .map, "privacy": .map,
    ]

    /// Splits `source` into front matter text and body. Returns the YAML text, the body and
    /// the number of lines before the body, or nil YAML when the file has no front matter.
    public static func split(_ source: String, path: String) throws(Diagnostic) -> (yaml: String?, body: Substring, bodyLineOffset: Int) {
        let (yaml, bodyOffset, lines) = try split(utf8: Array(source.utf8), path: path)
        return (yaml, source[source.utf8.index(source.utf8.startIndex, offsetBy: bodyOffset)...], lines)
    }

    /// The same, on a file's UTF-8 bytes (it runs for every file of the site): the YAML text,
    /// the byte the body starts at, and the number of lines before it. Lines may end in LF or
    /// CR LF; a byte order mark is skipped.
    public static func split(utf8 bytes: [UInt8], path: String) throws(Diagnostic) -> (yaml: String?, bodyOffset: Int, bodyLineOffset: Int) {
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let opening = Array("---".utf8)
        func isLine(_ range: Range<Int>, _ marks: [UInt8]) -> Bool {
            var range = range
            if range.count > 0 && bytes[range.upperBound - 1] == carriageReturn { range = range.lowerBound..<range.upperBound - 1 }
            return bytes[range].elementsEqual(marks)
        }
        func lineEnd(from position: Int) -> Int {
            var end = position
            while end < bytes.count && bytes[end] != newline { end += 1 }
            return end
        }
        let firstEnd = lineEnd(from: start)
        guard firstEnd < bytes.count, isLine(start..<firstEnd, opening) else { return (nil, start, 0) }
        let afterOpen = firstEnd + 1
        var lineStart = afterOpen
        var line = 2
        while lineStart < bytes.count {
            let end = lineEnd(from: lineStart)
            if isLine(lineStart..<end, opening) || isLine(lineStart..<end, Array("...".utf8)) {
                return (String(decoding: bytes[afterOpen..<lineStart], as: UTF8.self), min(end + 1, bytes.count), line)
            }
            line += 1
            lineStart = end + 1
        }
        throw Diagnostic.error(path, line: 1, column: 1, "front matter is not closed: add a line '---' after it")
    }

    /// Parses and type-checks front matter YAML that starts on line 2 of `path`.
    public static func parse(_ yaml: String, path: String) -> (FrontMatter, [Diagnostic]) {
        var matter = FrontMatter()
        var problems: [Diagnostic] = []
        let root: YAMLNode?
        do { root = try YAMLNode.parse(yaml, path: path, lineOffset: 1) } catch { return (matter, [error]) }
        guard let root, !root.isNull else { return (matter, []) }
        guard let pairs = root.mapping else {
            return (matter, [.error(path, line: root.line, column: root.column, "front matter must be a map of keys, like 'title: ...'")])
        }
        func fail(_ node: YAMLNode, _ message: String) {
            problems.append(.error(path, line: node.line, column: node.column, message))
        }
        func date(_ node: YAMLNode, _ key: String) -> CalendarDate? {
            guard let text = node.scalar, let value = CalendarDate(parsing: text) else {
                fail(node, "\(key): expected a date like 2026-03-14 or 2026-03-14 09:30, got \(node.kindDescription)")
                return nil
            }
            return value
        }
        var fields: [(key: String, value: YAMLNode)] = []
        fields.reserveCapacity(pairs.count)
        for (keyNode, value) in pairs {
            guard let key = keyNode.scalar else { fail(keyNode, "front matter keys must be text"); continue }
            fields.append((key, value))
            if value.isNull { continue }
            switch schema[key] {
            case .text:
                if value.scalar == nil { fail(value, "\(key): expected text, got \(value.kindDescription)") }
            case .date:
                _ = date(value, key)
            case .list:
                if value.stringList == nil { fail(value, "\(key): expected a list of words like [貸款, 首購], got \(value.kindDescription)") }
            case .integer:
                if value.int == nil { fail(value, "\(key): expected a whole number, got \(value.kindDescription)") }
            case .boolean:
                if value.bool == nil { fail(value, "\(key): expected true or false, got \(value.kindDescription)") }
            case .map:
                if value.mapping == nil { fail(value, "\(key): expected a map of keys, got \(value.kindDescription)") }
            case .history:
                guard let entries = value.sequence else {
                    fail(value, "history: expected a list of {version, date, note}, got \(value.kindDescription)")
                    continue
                }
                for entry in entries {
                    guard entry.mapping != nil else { fail(entry, "history: each entry must be {version, date, note}"); continue }
                    if let day = entry["date"] { _ = date(day, "history date") }
                }
            case nil:
                break
            }
        }
        matter.fields = fields
        if !problems.isEmpty { return (matter, problems) }
        problems += matter.readKnownKeys(path: path)
        return (matter, problems)
    }

    /// Sets the typed fields from `fields`, checked already; what is wrong in a slug or a
    /// privacy allowance is returned. The typed texts are then the keys' own strings.
    mutating func readKnownKeys(path: String) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        func given(_ key: String) -> YAMLNode? { self[key].flatMap { $0.isNull ? nil : $0 } }
        title = self["title"]?.scalar
        reply = self["reply"]
        each = self["each"]
        courseID = self["course_id"]?.scalar
        date = given("date").flatMap { CalendarDate(parsing: $0.scalar ?? "") }
        lastmod = given("lastmod").flatMap { CalendarDate(parsing: $0.scalar ?? "") }
        summary = given("summary")?.scalar
        tags = self["tags"]?.stringList ?? []
        weight = self["weight"]?.int ?? 0
        draft = self["draft"]?.bool ?? false
        if let node = given("slug") {
            slug = node.scalar
            if let text = node.scalar, text.isEmpty || text.contains("/") || text.contains("\\") || text == "." || text == ".." {
                problems.append(.error(path, line: node.line, column: node.column,
                                       "slug '\(text)' must be a single URL segment without '/' or '..'"))
            }
        }
        audience = self["audience"]?.stringList ?? []
        template = given("template")?.scalar
        toc = self["toc"]?.bool
        if let privacy = given("privacy") {
            let (allowances, privacyProblems) = PrivacyAllowance.parse(privacy, path: path)
            privacyAllow = allowances
            problems += privacyProblems
        }
        return problems
    }
}

/// A masked column one page shows as it is, and why: a reason is required, so that every
/// exception to the masks is written down where it is made and listed by `deskbook check`.
public struct PrivacyAllowance: Sendable, Equatable {
    public var column: String
    public var reason: String
    public var line: Int
    public var columnNumber: Int

    public init(column: String, reason: String, line: Int, columnNumber: Int) {
        self.column = column
        self.reason = reason
        self.line = line
        self.columnNumber = columnNumber
    }

    /// `privacy: {allow: [{column: phone, reason: "..."}]}`; every problem at its own line.
    static func parse(_ node: YAMLNode, path: String) -> ([PrivacyAllowance], [Diagnostic]) {
        var allowances: [PrivacyAllowance] = []
        var problems: [Diagnostic] = []
        func fail(_ node: YAMLNode, _ message: String) {
            problems.append(.error(path, line: node.line, column: node.column, message))
        }
        let example = "{column: phone, reason: 回撥專員需撥打客戶電話}"
        for (key, value) in node.mapping ?? [] {
            guard key.scalar == "allow" else {
                fail(key, "privacy: unknown key '\(key.scalar ?? "")'; a page may only allow columns: privacy: {allow: [\(example)]}")
                continue
            }
            guard let entries = value.sequence else {
                fail(value, "privacy.allow: expected a list like [\(example)], got \(value.kindDescription)")
                continue
            }
            for entry in entries {
                guard let pairs = entry.mapping else {
                    let name = entry.scalar.map { "'\($0)' " } ?? ""
                    fail(entry, "privacy.allow: \(name)needs a reason; write each entry as \(example)")
                    continue
                }
                for (entryKey, _) in pairs where entryKey.scalar != "column" && entryKey.scalar != "reason" {
                    fail(entryKey, "privacy.allow: unknown key '\(entryKey.scalar ?? "")'; an entry is \(example)")
                }
                guard let column = entry["column"]?.scalar, !column.trimmingWhitespace.isEmpty else {
                    fail(entry, "privacy.allow: the entry needs the column it allows: \(example)")
                    continue
                }
                guard let reason = entry["reason"]?.scalar, !reason.trimmingWhitespace.isEmpty else {
                    fail(entry, "privacy.allow: '\(column)' needs a reason: say why this page shows it unmasked")
                    continue
                }
                allowances.append(PrivacyAllowance(column: column.trimmingWhitespace, reason: reason.trimmingWhitespace,
                                                   line: entry.line, columnNumber: entry.column))
            }
        }
        return (allowances, problems)
    }
}

extension FrontMatter {
    /// For the build cache (`LoadedFile`): a file whose status is unchanged is not parsed
    /// again. Its keys come first, as one block that is read back only when they are asked for
    /// (`StoredKeys`), then the typed fields as they are, so nothing is looked up or parsed
    /// again.
    public func encode(into out: inout ByteWriter) {
        switch keys {
        case .made(let fields): out.blob { Self.encode(fields, into: &$0) }
        case .stored(let stored): out.blob(stored.bytes)
        }
        /// A byte that says whether there is a value, then the value.
        func optional<T>(_ value: T?, _ write: (T, inout ByteWriter) -> Void) {
            out.byte(value == nil ? 0 : 1)
            if let value { write(value, &out) }
        }
        func text(_ value: String?) { optional(value) { $1.text($0) } }
        func date(_ value: CalendarDate?) { optional(value) { $0.encode(into: &$1) } }
        func list(_ words: [String]) {
            out.small(words.count)
            for word in words { out.text(word) }
        }
        text(title)
        date(self.date)
        date(lastmod)
        text(summary)
        list(tags)
        out.integer(weight)
        out.byte(draft ? 1 : 0)
        text(slug)
        list(audience)
        text(template)
        out.byte(toc.map { $0 ? 2 : 1 } ?? 0)
        out.small(privacyAllow.count)
        for allowance in privacyAllow {
            out.text(allowance.column)
            out.text(allowance.reason)
            out.small(allowance.line)
            out.small(allowance.columnNumber)
        }
        optional(reply) { $0.encode(into: &$1) }
        optional(each) { $0.encode(into: &$1) }
        text(courseID)
    }

    static func encode(_ fields: [(key: String, value: YAMLNode)], into out: inout ByteWriter) {
        out.small(fields.count)
        for (key, value) in fields {
            out.text(key)
            value.encode(into: &out)
        }
    }

    /// The keys of `encode(_:into:)`; nil at damaged bytes.
    static func decodeFields(_ input: inout ByteReader) -> [(key: String, value: YAMLNode)]? {
        guard let count = input.small(limit: input.remaining) else { return nil }
        var fields: [(key: String, value: YAMLNode)] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            guard let key = input.text(), let value = YAMLNode.decode(&input) else { return nil }
            fields.append((key, value))
        }
        return input.isAtEnd ? fields : nil
    }

    /// Nil at damaged bytes. The keys are left in the bytes, their layout checked.
    public static func decode(_ input: inout ByteReader) -> FrontMatter? {
        guard let keys = input.blobInPlace(), StoredKeys.areWellFormed(keys) else { return nil }
        var matter = FrontMatter()
        matter.keys = .stored(StoredKeys(keys))
        var failed = false
        /// A value after a byte that says whether there is one (`encode`'s `optional`).
        func optional<T>(_ read: (inout ByteReader) -> T?) -> T? {
            guard let present = input.byte(), present <= 1 else { failed = true; return nil }
            guard present == 1 else { return nil }
            guard let value = read(&input) else { failed = true; return nil }
            return value
        }
        func text() -> String? { optional { $0.text() } }
        func date() -> CalendarDate? { optional { CalendarDate.decode(&$0) } }
        func list() -> [String] {
            guard let count = input.small(limit: input.remaining) else { failed = true; return [] }
            var words: [String] = []
            words.reserveCapacity(count)
            for _ in 0..<count {
                guard let word = input.text() else { failed = true; return [] }
                words.append(word)
            }
            return words
        }
        matter.title = text()
        matter.date = date()
        matter.lastmod = date()
        matter.summary = text()
        matter.tags = list()
        guard !failed, let weight = input.integer(), let draft = input.byte() else { return nil }
        matter.weight = Int(weight)
        matter.draft = draft == 1
        matter.slug = text()
        matter.audience = list()
        matter.template = text()
        guard !failed, let toc = input.byte(), let allowanceCount = input.small(limit: input.remaining) else { return nil }
        matter.toc = toc == 0 ? nil : toc == 2
        for _ in 0..<allowanceCount {
            guard let column = input.text(), let reason = input.text(), let line = input.small(), let columnNumber = input.small() else { return nil }
            matter.privacyAllow.append(PrivacyAllowance(column: column, reason: reason, line: line, columnNumber: columnNumber))
        }
        matter.reply = optional { YAMLNode.decode(&$0) }
        matter.each = optional { YAMLNode.decode(&$0) }
        matter.courseID = text()
        return failed ? nil : matter
    }
}

/// A front matter's keys as the build cache holds them (`FrontMatter.encode(_:into:)`), made
/// into `fields` the first time they are asked for, once for every thread. Their layout was
/// checked when they were read back (`areWellFormed`); a text that is not UTF-8 (bytes
/// damaged in place) leaves the page without keys, never with text that is not UTF-8.
final class StoredKeys: Sendable {
    let bytes: ByteSlice
    private let made = Synchronization.Mutex<[(key: String, value: YAMLNode)]?>(nil)

    init(_ bytes: ByteSlice) { self.bytes = bytes }

    var fields: [(key: String, value: YAMLNode)] {
        made.withLock { made in
            if let made { return made }
            var input = ByteReader(bytes.storage, range: bytes.startIndex..<bytes.endIndex)
            // Bytes that changed after they were checked (a file mapped) give no keys.
            let fields = FrontMatter.decodeFields(&input) ?? []
            made = fields
            return fields
        }
    }

    /// Whether `bytes` are laid out as `FrontMatter.encode(_:into:)` writes keys, without
    /// making any.
    static func areWellFormed(_ bytes: ByteSlice) -> Bool {
        var input = ByteReader(bytes.storage, range: bytes.startIndex..<bytes.endIndex)
        guard let count = input.small(limit: input.remaining) else { return false }
        for _ in 0..<count {
            guard input.skipText(), YAMLNode.skip(&input) else { return false }
        }
        return input.isAtEnd
    }
}
