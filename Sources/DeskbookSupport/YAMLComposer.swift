import CYAML

/// Full YAML, read with libyaml's parser into `YAMLNode`s: what `SimpleYAML` leaves to it
/// (block text, flow lists and maps, anchors, values over several lines). Only the document's
/// shape is kept, with each node's place in the file; tags are not resolved (front matter and
/// config decide each key's type themselves). A wrong document is one `Diagnostic`, at the line
/// and column libyaml found it.
final class YAMLComposer {
    /// At a fixed address: libyaml keeps its state there between calls.
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private let path: String
    private let lineOffset: Int
    /// Nodes by anchor name: an alias stands for the node last anchored so.
    private var anchors: [String: YAMLNode] = [:]

    /// Reads `utf8`, which must outlive the composer.
    init(_ utf8: UnsafeBufferPointer<UInt8>, path: String, lineOffset: Int) {
        self.path = path
        self.lineOffset = lineOffset
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, utf8.baseAddress, utf8.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// The one document of the text; nil when it holds none (blank, or comments only).
    func document() throws(Diagnostic) -> YAMLNode? {
        try skip()   // the stream's start
        var start = try next()
        defer { yaml_event_delete(&start) }
        guard start.type == YAML_DOCUMENT_START_EVENT else { return nil }
        let root = try node(try next())
        try skip()   // the document's end
        var after = try next()
        defer { yaml_event_delete(&after) }
        guard after.type == YAML_STREAM_END_EVENT else {
            throw failure(at: after.start_mark, "but found another document expected a single document in the stream")
        }
        return root
    }

    /// The node that starts with `event` (which it frees), and everything in it.
    private func node(_ start: yaml_event_t) throws(Diagnostic) -> YAMLNode {
        var event = start
        defer { yaml_event_delete(&event) }
        let mark = event.start_mark
        let (line, column) = place(mark)
        let made: YAMLNode
        let anchor: UnsafePointer<UInt8>?
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let anchored = anchors[String(cString: event.data.alias.anchor)] else { throw failure(at: mark, "found undefined alias") }
            return anchored
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            var bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
            // A byte order mark pasted in front of a value is not part of it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeBufferPointer(rebasing: bytes.dropFirst(3)) }
            let text = String(decoding: bytes, as: UTF8.self)
            // Only a plain scalar may mean null, true or a number; block text is quoted text.
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE
            made = YAMLNode(.scalar(text, quoted: !plain), line: line, column: column)
            anchor = UnsafePointer(scalar.anchor)
        case YAML_SEQUENCE_START_EVENT:
            var items: [YAMLNode] = []
            while true {
                var item = try next()
                if item.type == YAML_SEQUENCE_END_EVENT { yaml_event_delete(&item); break }
                items.append(try node(item))
            }
            made = YAMLNode(.sequence(items), line: line, column: column)
            anchor = UnsafePointer(event.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT:
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            while true {
                var key = try next()
                if key.type == YAML_MAPPING_END_EVENT { yaml_event_delete(&key); break }
                let keyNode = try node(key)
                pairs.append((keyNode, try node(try next())))
            }
            try checkKeysDiffer(pairs)
            made = YAMLNode(.mapping(pairs), line: line, column: column)
            anchor = UnsafePointer(event.data.mapping_start.anchor)
        default:
            throw failure(at: mark, "unexpected end of the document")
        }
        if let anchor { anchors[String(cString: anchor)] = made }
        return made
    }

    /// A map's keys must differ: the keys written twice are named, and reported where the
    /// first of them (in sorted order) first stands.
    private func checkKeysDiffer(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(Diagnostic) {
        var firstOf: [String: YAMLNode] = [:]
        var repeated: Set<String> = []
        for (key, _) in pairs {
            guard let text = key.scalar else { continue }
            if firstOf[text] == nil { firstOf[text] = key } else { repeated.insert(text) }
        }
        let names = repeated.sorted()
        guard let first = names.first, let node = firstOf[first] else { return }
        throw Diagnostic.error(path, line: node.line, column: node.column, "invalid YAML: duplicate key \(names.joined(separator: ", "))")
    }

    /// The parser's next event, for the caller to free; a wrong document throws what libyaml
    /// found wrong, where.
    private func next() throws(Diagnostic) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserFailure() }
        return event
    }

    private func skip() throws(Diagnostic) {
        var event = try next()
        yaml_event_delete(&event)
    }

    /// Where `mark` stands in the file: libyaml counts lines and columns from 0, in the text alone.
    private func place(_ mark: yaml_mark_t) -> (line: Int, column: Int) { (lineOffset + mark.line + 1, mark.column + 1) }

    private func failure(at mark: yaml_mark_t, _ message: String) -> Diagnostic {
        let (line, column) = place(mark)
        return .error(path, line: line, column: column, "invalid YAML: \(message)")
    }

    private func parserFailure() -> Diagnostic {
        let parser = self.parser.pointee
        let problem = parser.problem.map { String(cString: $0) } ?? "cannot be read"
        switch parser.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            return failure(at: parser.problem_mark, problem + (parser.context.map { " " + String(cString: $0) } ?? ""))
        default:
            // The reader's problems (bytes that are not text) have no line of their own.
            return .error(path, line: lineOffset + 1, "invalid YAML: \(problem)")
        }
    }
}
