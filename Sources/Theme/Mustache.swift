import DeskbookSupport

/// Mustache templates, parsed once into a tree and rendered straight from the values the
/// build makes (`TemplateValue`: maps, lists, text, made HTML, numbers, flags). The language is Mustache's: `{{name}}` (HTML-escaped),
/// `{{{name}}}` and `{{& name}}` (as is), sections `{{#name}}…{{/name}}` over lists, maps and
/// booleans, inverted sections `{{^name}}`, comments, partials `{{> name}}`, and template
/// inheritance: `{{< parent}}{{$block}}…{{/block}}{{/parent}}`. Tags alone on their line leave
/// no blank line behind.
struct MustacheTemplate: Sendable {
    indirect enum Node: Sendable {
        /// Text as it stands, as UTF-8: it goes into every page as bytes.
        case text([UInt8])
        case variable(Name, escaped: Bool)
        case section(Name, [Node], inverted: Bool)
        case partial(String, indentation: String)
        /// `{{< name}}`: another template, with some of its blocks replaced.
        case parent(String, blocks: [String: [Node]], indentation: String)
        /// `{{$ name}}`: a part a child template may replace; its own content is the default.
        case block(String, [Node])
    }

    /// A name as written: `.` (the current value), `page.title` (looked up through the
    /// enclosing values, then into the map found).
    struct Name: Sendable {
        let parts: [TemplateKey]
        let isCurrent: Bool

        init(_ text: Substring) {
            isCurrent = text == "."
            parts = text.split(separator: ".").map { TemplateKey(String($0)) }
        }
    }

    struct ParseError: Error, Sendable {
        let message: String
        let line: Int
        let column: Int
    }

    let nodes: [Node]

    init(_ text: String) throws(ParseError) {
        var parser = Parser(Array(text.utf8))
        nodes = try parser.parse()
    }


    // MARK: Parsing

    /// Reads a template the way swift-mustache does, so that themes written for it render the
    /// same, blank lines included: a tag other than a variable that is alone on its line
    /// (after a line break or other such tags) takes its line break with it.
    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        struct State {
            var newLine = true
            var sectionName: String?
            /// Directly inside `{{< parent}}`: only block definitions count.
            var inParent = false
            /// Anywhere inside `{{< parent}}`: lines lose the indentation of the first line of
            /// the block they are in.
            var inDefinition = false
            var definitionIndent: String?

            /// The state a section, block or parent's content starts with.
            func inside(_ name: String, newLine: Bool, parent: Bool = false) -> State {
                var inner = self
                inner.sectionName = name
                inner.newLine = newLine
                inner.inParent = parent
                if parent { inner.inDefinition = true }
                return inner
            }
        }

        func location(of offset: Int) -> (Int, Int) {
            var line = 1, lineStart = 0
            for index in 0..<min(offset, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            return (line, String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1)
        }

        func error(_ message: String, at offset: Int) -> ParseError {
            let (line, column) = location(of: offset)
            return ParseError(message: message, line: line, column: column)
        }

        static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        static func isBreak(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") }

        /// Length of the line break at `index` (2 for CR LF), 0 if there is none.
        func lineBreak(at index: Int) -> Int {
            guard index < bytes.count, Self.isBreak(bytes[index]) else { return 0 }
            return bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") ? 2 : 1
        }

        /// At the end of the text, or only blanks before a line break: then moves past them.
        mutating func lineFinished() -> Bool {
            if position >= bytes.count { return true }
            var index = position
            while index < bytes.count && Self.isBlank(bytes[index]) { index += 1 }
            let length = lineBreak(at: index)
            guard length > 0 else { return false }
            position = index + length
            return true
        }

        mutating func parse() throws(ParseError) -> [Node] {
            try parse(State())
        }

        /// Reads nodes until the end, or until the close tag of `state.sectionName`.
        mutating func parse(_ initial: State) throws(ParseError) -> [Node] {
            var state = initial
            var nodes: [Node] = []
            var blanks = ""
            func text(_ value: String) { if !value.isEmpty { nodes.append(.text(Array(value.utf8))) } }
            while position < bytes.count {
                if state.newLine {
                    let start = position
                    while position < bytes.count && Self.isBlank(bytes[position]) { position += 1 }
                    let leading = String(decoding: bytes[start..<position], as: UTF8.self)
                    if state.inDefinition && !state.inParent {
                        if let indent = state.definitionIndent { blanks = String(leading.dropFirst(indent.count)) } else {
                            state.definitionIndent = leading
                        }
                    } else {
                        blanks = leading
                    }
                }
                // Text up to a tag or a line break.
                let start = position
                while position < bytes.count && !Self.isBreak(bytes[position])
                    && !(bytes[position] == UInt8(ascii: "{") && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "{")) {
                    position += 1
                }
                let run = String(decoding: bytes[start..<position], as: UTF8.self)
                let length = lineBreak(at: position)
                if length > 0 {
                    text(blanks + run + String(decoding: bytes[position..<position + length], as: UTF8.self))
                    blanks = ""
                    position += length
                    state.newLine = true
                    continue
                }
                if !run.isEmpty {
                    text(blanks + run)
                    blanks = ""
                    state.newLine = false
                }
                if position >= bytes.count { break }
                // A tag.
                let tagStart = position
                position += 2
                let triple = position < bytes.count && bytes[position] == UInt8(ascii: "{")
                if triple { position += 1 }
                let closer = Array((triple ? "}}}" : "}}").utf8)
                var end = position
                while end + closer.count <= bytes.count && !bytes[end..<end + closer.count].elementsEqual(closer) { end += 1 }
                guard end + closer.count <= bytes.count else { throw error("a tag is not closed with }}", at: tagStart) }
                let content = String(decoding: bytes[position..<end], as: UTF8.self).trimmingWhitespace
                position = end + closer.count
                let sigil: Character = triple ? "{" : (content.first ?? " ")
                let name = triple ? content : String(content.dropFirst()).trimmingWhitespace
                var standalone = false
                switch sigil {
                case "#", "^":
                    standalone = state.newLine && lineFinished()
                    if !standalone { text(blanks); blanks = "" }
                    let body = try parse(state.inside(name, newLine: standalone && state.newLine))
                    nodes.append(.section(Name(Substring(name)), body, inverted: sigil == "^"))
                case "/":
                    guard state.sectionName == name else {
                        throw error(state.sectionName.map { "{{/\(name)}} where {{/\($0)}} was expected" } ?? "{{/\(name)}} closes nothing", at: tagStart)
                    }
                    if !(state.newLine && lineFinished()) { text(blanks) }
                    return nodes
                case "!", "%":
                    standalone = state.newLine && lineFinished()
                case "=":
                    throw error("changing delimiters ({{=…=}}) is not supported", at: tagStart)
                case ">":
                    text(blanks)
                    standalone = state.newLine && lineFinished()
                    nodes.append(.partial(name, indentation: standalone ? blanks : ""))
                    blanks = ""
                case "<":
                    text(blanks)
                    standalone = state.newLine && lineFinished()
                    let body = try parse(state.inside(name, newLine: true, parent: true))
                    var blocks: [String: [Node]] = [:]
                    for node in body {
                        switch node {
                        case .block(let blockName, let content): blocks[blockName] = content
                        case .text: break
                        default: throw error("inside {{<\(name)}} only {{$block}} definitions may stand", at: tagStart)
                        }
                    }
                    nodes.append(.parent(name, blocks: blocks, indentation: blanks))
                    blanks = ""
                case "$":
                    if !state.inParent { text(blanks) }
                    standalone = state.newLine && lineFinished()
                    let body = try parse(state.inside(name, newLine: standalone && state.newLine))
                    nodes.append(.block(name, body))
                    if !state.inParent { blanks = "" }
                case "&":
                    text(blanks)
                    blanks = ""
                    nodes.append(.variable(Name(Substring(name)), escaped: false))
                case "{":
                    text(blanks)
                    blanks = ""
                    nodes.append(.variable(Name(Substring(content)), escaped: false))
                default:
                    guard !content.isEmpty else { throw error("an empty tag {{}}", at: tagStart) }
                    text(blanks)
                    blanks = ""
                    nodes.append(.variable(Name(Substring(content)), escaped: true))
                }
                state.newLine = standalone
            }
            if let open = state.sectionName {
                throw error("{{\(open)}} is never closed", at: bytes.count)
            }
            return nodes
        }
    }
}

/// Renders templates by name, for partials and parents. Output is UTF-8 bytes: pages are
/// written as bytes, and text already made (`HTMLBytes`) goes in without a `String` made of it.
///
/// The templates are compiled once into one flat program (`Instruction`s over shared tables of
/// text bytes and names), which rendering walks by position: walking the parsed tree copied
/// each node, and so counted references to its text and names, at every node of every page.
struct MustacheRenderer: Sendable {
    private let program: Program
    /// Each template's place in the program, by name.
    private let templateIDs: [String: Int]

    init(templates: [String: MustacheTemplate]) {
        var compiler = Compiler(names: templates.keys.sorted())
        for (id, name) in compiler.templateNames.enumerated() { compiler.compile(template: id, templates[name]!.nodes) }
        program = compiler.program
        templateIDs = compiler.templateIDs
    }

    /// A template's output; room for a typical page is made first, so most need not grow.
    func render(_ name: String, context: TemplateMap) -> [UInt8] {
        guard let id = templateIDs[name] else { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(Self.reserved)
        var stack: [TemplateValue] = []
        // Room for the sections a page nests, so the stack does not grow as they open.
        stack.reserveCapacity(8)
        stack.append(.map(context))
        var state = State(stack: stack, blocks: [], indentation: [])
        program.instructions.withUnsafeBufferPointer { instructions in
            program.bytes.withUnsafeBufferPointer { bytes in
                program.keys.withUnsafeBufferPointer { keys in
                    let walker = Walker(program: program, instructions: instructions, bytes: bytes, keys: keys)
                    walker.run(program.templates[id], into: &output, state: &state)
                }
            }
        }
        return output
    }

    /// Room made for an output before rendering: a typical page.
    static let reserved = 16_384

    /// One step of the program. Plain numbers only, so walking the program counts no references.
    struct Instruction {
        enum Operation: UInt8 {
            /// `bytes[a..<b]` as they stand.
            case text
            /// The value named by `keys[a..<a+b]` (`b` = -1: the current value, `.`); escaped
            /// when `flag`.
            case variable
            /// The body `[next..<c)` for the named value (as for `variable`); inverted when `flag`.
            case section
            /// Template `a` (-1: none such), indented by `indentations[d]` (-1: none).
            case partial
            /// Template `a` (-1: none such) with the blocks `blockSets[b]`, indented by
            /// `indentations[d]`; the blocks' bodies are `[next..<c)`.
            case parent
            /// The replacement for block `a` if one is given, else the body `[next..<c)`.
            case block
        }
        let operation: Operation
        let flag: Bool
        let a, b: Int32
        /// Where the body ends; set once the body is compiled.
        var c: Int32 = 0
        let d: Int32
    }

    /// Block `id`'s replacement: the instructions `start..<end`.
    struct BlockReplacement {
        let id: Int32
        let start, end: Int32
    }

    struct Program: Sendable {
        var instructions: [Instruction] = []
        var bytes: [UInt8] = []
        var keys: [TemplateKey] = []
        var indentations: [[UInt8]] = []
        var blockSets: [[BlockReplacement]] = []
        /// Each template's instructions, by id.
        var templates: [Range<Int>] = []
    }

    struct State {
        var stack: [TemplateValue]
        /// Replacements for `{{$ block}}`s, from the templates that named this one as parent:
        /// the outermost first, and the first found wins.
        var blocks: [BlockReplacement]
        /// Of the partials being rendered, as bytes.
        var indentation: [UInt8]
    }

    /// Turns parsed templates into the program.
    private struct Compiler {
        var program = Program()
        let templateNames: [String]
        let templateIDs: [String: Int]
        var blockIDs: [String: Int32] = [:]

        init(names: [String]) {
            templateNames = names
            templateIDs = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            program.templates = Array(repeating: 0..<0, count: names.count)
        }

        mutating func compile(template id: Int, _ nodes: [MustacheTemplate.Node]) {
            let start = program.instructions.count
            compile(nodes)
            program.templates[id] = start..<program.instructions.count
        }

        private mutating func compile(_ nodes: [MustacheTemplate.Node]) {
            for node in nodes {
                switch node {
                case .text(let text):
                    let start = Int32(program.bytes.count)
                    program.bytes += text
                    emit(.text, a: start, b: Int32(program.bytes.count))
                case .variable(let name, let escaped):
                    let (first, count) = add(name)
                    emit(.variable, flag: escaped, a: first, b: count)
                case .section(let name, let body, let inverted):
                    let (first, count) = add(name)
                    let at = emit(.section, flag: inverted, a: first, b: count)
                    compile(body)
                    endBody(at)
                case .partial(let name, let indentation):
                    emit(.partial, a: template(name), d: add(indentation: indentation))
                case .parent(let name, let blocks, let indentation):
                    // The set's place is taken first: parents inside the blocks' bodies add theirs.
                    let set = program.blockSets.count
                    program.blockSets.append([])
                    let at = emit(.parent, a: template(name), b: Int32(set), d: add(indentation: indentation))
                    var replacements: [BlockReplacement] = []
                    // In name order, so that the program is the same from one build to the next.
                    for (blockName, body) in blocks.sorted(by: { $0.key < $1.key }) {
                        let start = Int32(program.instructions.count)
                        compile(body)
                        replacements.append(BlockReplacement(id: blockID(blockName), start: start, end: Int32(program.instructions.count)))
                    }
                    program.blockSets[set] = replacements
                    endBody(at)
                case .block(let name, let fallback):
                    let at = emit(.block, a: blockID(name))
                    compile(fallback)
                    endBody(at)
                }
            }
        }

        @discardableResult
        private mutating func emit(_ operation: Instruction.Operation, flag: Bool = false, a: Int32 = 0, b: Int32 = 0, d: Int32 = -1) -> Int {
            program.instructions.append(Instruction(operation: operation, flag: flag, a: a, b: b, c: 0, d: d))
            return program.instructions.count - 1
        }

        /// Sets where the body of the instruction at `position` ends: here.
        private mutating func endBody(_ position: Int) {
            let old = program.instructions[position]
            program.instructions[position] = Instruction(operation: old.operation, flag: old.flag, a: old.a, b: old.b,
                                                         c: Int32(program.instructions.count), d: old.d)
        }

        private mutating func add(_ name: MustacheTemplate.Name) -> (first: Int32, count: Int32) {
            if name.isCurrent { return (0, -1) }
            let first = Int32(program.keys.count)
            program.keys += name.parts
            return (first, Int32(name.parts.count))
        }

        private mutating func add(indentation: String) -> Int32 {
            guard !indentation.isEmpty else { return -1 }
            program.indentations.append(Array(indentation.utf8))
            return Int32(program.indentations.count - 1)
        }

        private func template(_ name: String) -> Int32 { templateIDs[name].map(Int32.init) ?? -1 }

        private mutating func blockID(_ name: String) -> Int32 {
            if let id = blockIDs[name] { return id }
            let id = Int32(blockIDs.count)
            blockIDs[name] = id
            return id
        }
    }

    /// Walks the program over its tables, held as buffers for the length of one render.
    private struct Walker {
        let program: Program
        let instructions: UnsafeBufferPointer<Instruction>
        let bytes: UnsafeBufferPointer<UInt8>
        let keys: UnsafeBufferPointer<TemplateKey>

        func run(_ range: Range<Int>, into output: inout [UInt8], state: inout State) {
            var position = range.lowerBound
            while position < range.upperBound {
                let instruction = instructions[position]
                position += 1
                switch instruction.operation {
                case .text:
                    let text = UnsafeBufferPointer(rebasing: bytes[Int(instruction.a)..<Int(instruction.b)])
                    MustacheRenderer.append(text, to: &output, indentation: state.indentation)
                case .variable:
                    guard let value = lookup(instruction, in: state.stack) else { continue }
                    if state.indentation.isEmpty {
                        MustacheRenderer.write(value, escaped: instruction.flag, to: &output)
                    } else {
                        var text: [UInt8] = []
                        MustacheRenderer.write(value, escaped: instruction.flag, to: &text)
                        text.withUnsafeBufferPointer { MustacheRenderer.append($0, to: &output, indentation: state.indentation) }
                    }
                case .section:
                    let body = position..<Int(instruction.c)
                    position = body.upperBound
                    let value = lookup(instruction, in: state.stack)
                    if instruction.flag {
                        if !(value?.isTruthy ?? false) { run(body, into: &output, state: &state) }
                    } else if let value {
                        renderSection(value, body, into: &output, state: &state)
                    }
                case .partial:
                    guard instruction.a >= 0 else { continue }
                    let template = program.templates[Int(instruction.a)]
                    guard instruction.d >= 0 else {
                        run(template, into: &output, state: &state)
                        continue
                    }
                    let indentation = program.indentations[Int(instruction.d)]
                    var inner = state
                    inner.indentation += indentation
                    if output.isEmpty || output.last == UInt8(ascii: "\n") { output += indentation }
                    run(template, into: &output, state: &inner)
                case .parent:
                    position = Int(instruction.c)
                    guard instruction.a >= 0 else { continue }
                    var inner = state
                    if instruction.d >= 0 { inner.indentation += program.indentations[Int(instruction.d)] }
                    // The outermost template's replacement wins: it comes first.
                    inner.blocks = state.blocks + program.blockSets[Int(instruction.b)]
                    run(program.templates[Int(instruction.a)], into: &output, state: &inner)
                case .block:
                    let fallback = position..<Int(instruction.c)
                    position = fallback.upperBound
                    if let replacement = state.blocks.first(where: { $0.id == instruction.a }) {
                        run(Int(replacement.start)..<Int(replacement.end), into: &output, state: &state)
                    } else {
                        run(fallback, into: &output, state: &state)
                    }
                }
            }
        }

        /// A list shows the body once for each item, a flag once when true, anything else once
        /// with the value as `.`.
        private func renderSection(_ value: TemplateValue, _ body: Range<Int>, into output: inout [UInt8], state: inout State) {
            switch value {
            case .list(let items):
                for item in items { renderPushed(item, body, into: &output, state: &state) }
            case .flag(let flag):
                if flag { run(body, into: &output, state: &state) }
            case .text, .html, .number, .map:
                renderPushed(value, body, into: &output, state: &state)
            }
        }

        private func renderPushed(_ value: TemplateValue, _ body: Range<Int>, into output: inout [UInt8], state: inout State) {
            state.stack.append(value)
            run(body, into: &output, state: &state)
            state.stack.removeLast()
        }

        /// The name's first part through the enclosing values, innermost first; the rest into
        /// what it found.
        private func lookup(_ instruction: Instruction, in stack: [TemplateValue]) -> TemplateValue? {
            if instruction.b < 0 { return stack.last }
            guard instruction.b > 0 else { return nil }
            let first = Int(instruction.a)
            var found: TemplateValue?
            for index in stack.indices.reversed() {
                if case .map(let map) = stack[index], let value = map[keys[first]] {
                    found = value
                    break
                }
            }
            for part in first + 1..<first + Int(instruction.b) {
                guard case .map(let map)? = found else { return nil }
                found = map[keys[part]]
            }
            return found
        }
    }

    /// A value as text: made HTML as it is, anything else as `shownText`; escaped for `{{name}}`.
    private static func write(_ value: TemplateValue, escaped: Bool, to output: inout [UInt8]) {
        switch value {
        case .text(let text):
            if escaped { Escape.appendHTML(text, to: &output) } else { output += text.utf8 }
        case .number(let number):
            // Digits and a sign need no escaping.
            output += String(number).utf8
        case .html(let html):
            if escaped { Escape.appendHTML(html.text, to: &output) } else { output += html.bytes }
        case .flag, .list, .map:
            if escaped { Escape.appendHTML(value.shownText, to: &output) } else { output += value.shownText.utf8 }
        }
    }

    /// Text into the output; after a line break inside an indented partial, the indentation.
    private static func append(_ text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], indentation: [UInt8]) {
        if indentation.isEmpty || !text.contains(UInt8(ascii: "\n")) {
            output.append(contentsOf: text)
            return
        }
        var first = true
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if !first {
                output.append(UInt8(ascii: "\n"))
                if !line.isEmpty { output += indentation }
            }
            output.append(contentsOf: line)
            first = false
        }
    }
}
