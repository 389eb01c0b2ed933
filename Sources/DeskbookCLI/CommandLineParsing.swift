/// The command line, read by each command's `CommandSpec`: its options (`--site DIR`,
/// `--site=DIR`, `-s DIR`, flags, short flags together as `-qv`), its arguments, its help.
///
/// A table per command rather than a reflection-based parser: a scheduled rebuild starts the
/// program every few minutes, and reading its options through the Swift runtime's reflection
/// took 2 ms of a 90 ms rebuild (BENCHMARKS.md).
struct CommandSpec: Sendable {
    struct Option: Sendable {
        let long: String
        var short: Character?
        /// The value's name in help (`<site>`); nil for a flag.
        var valueName: String?
        let help: String
        /// Given when the option is not; shown in help.
        var defaultValue: String?

        /// An option that takes a value.
        static func value(_ long: String, short: Character? = nil, default defaultValue: String? = nil, help: String) -> Option {
            Option(long: long, short: short, valueName: long, help: help, defaultValue: defaultValue)
        }

        /// An option that is on or off.
        static func flag(_ long: String, short: Character? = nil, help: String) -> Option {
            Option(long: long, short: short, valueName: nil, help: help, defaultValue: nil)
        }

        var usage: String { "--\(long)" + (valueName.map { " <\($0)>" } ?? "") }
        var names: String { (short.map { "-\($0), " } ?? "") + usage }
    }

    struct Argument: Sendable {
        let name: String
        let help: String
    }

    let name: String
    let abstract: String
    var discussion = ""
    var options: [Option] = []
    var arguments: [Argument] = []

    /// `--site`, shared by every command that reads a site.
    static let site = Option.value("site", short: "s", default: ".", help: "The site folder (holding content/ and deskbook.yaml).")

    /// What the command line gives this command; `UsageError` at anything it does not take.
    func parse(_ words: some Collection<String>) throws(UsageError) -> ParsedCommandLine {
        var parsed = ParsedCommandLine(command: self)
        var words = Array(words)[...]
        var optionsEnded = false
        while let word = words.popFirst() {
            if optionsEnded || word == "-" || !word.hasPrefix("-") {
                parsed.arguments.append(word)
            } else if word == "--" {
                optionsEnded = true
            } else if word.hasPrefix("--") {
                var name = word.dropFirst(2)
                var attached: Substring?
                if let equals = name.firstIndex(of: "=") {
                    attached = name[name.index(after: equals)...]
                    name = name[..<equals]
                }
                guard let option = options.first(where: { $0.long == name }) else { throw usageError("unknown option '\(word)'") }
                if option.valueName == nil && attached != nil { throw usageError("'--\(name)' takes no value") }
                try take(option, attached.map(String.init), &words, &parsed)
            } else {
                // Short options: flags may be written together (`-qv`); one that takes a value
                // takes the rest of the word or the next word.
                var letters = word.dropFirst()
                while let letter = letters.popFirst() {
                    guard let option = options.first(where: { $0.short == letter }) else { throw usageError("unknown option '-\(letter)'") }
                    let takesValue = option.valueName != nil
                    try take(option, takesValue && !letters.isEmpty ? String(letters) : nil, &words, &parsed)
                    if takesValue { break }
                }
            }
        }
        if parsed.arguments.count < arguments.count {
            throw usageError("missing <\(arguments[parsed.arguments.count].name)>")
        }
        if parsed.arguments.count > arguments.count {
            throw usageError("unexpected argument '\(parsed.arguments[arguments.count])'")
        }
        return parsed
    }

    /// Records a flag, or takes an option's value: the text `attached` to it, else the next word.
    private func take(_ option: Option, _ attached: String?, _ words: inout ArraySlice<String>,
                      _ parsed: inout ParsedCommandLine) throws(UsageError) {
        guard option.valueName != nil else {
            parsed.flags.insert(option.long)
            return
        }
        guard let value = attached ?? words.popFirst() else { throw usageError("missing value for '\(option.usage)'") }
        // No option means anything empty: an empty --output would name the current folder.
        guard !value.isEmpty else { throw usageError("'--\(option.long)' needs a value that is not empty") }
        parsed.values[option.long] = value
    }

    func usageError(_ message: String) -> UsageError { UsageError(message: message, command: name) }

    var usage: String { usageWords.joined(separator: " ") }

    /// The usage's parts, each kept on one line when help wraps it.
    private var usageWords: [String] { ["deskbook", name] + options.map { "[\($0.usage)]" } + arguments.map { "<\($0.name)>" } }

    /// What `deskbook COMMAND --help` prints.
    var help: String {
        var lines = HelpColumns.wrapped("OVERVIEW: \(abstract)") + [""]
        if !discussion.isEmpty { lines += HelpColumns.wrapped(discussion) + [""] }
        lines += HelpColumns.hanging("USAGE:", usageWords, at: 7) + [""]
        if !arguments.isEmpty {
            lines.append("ARGUMENTS:")
            for argument in arguments { lines += HelpColumns.row("<\(argument.name)>", argument.help) }
            lines.append("")
        }
        lines.append("OPTIONS:")
        for option in options {
            lines += HelpColumns.row(option.names, option.help + (option.defaultValue.map { " (default: \($0))" } ?? ""))
        }
        lines += HelpColumns.row("-h, --help", "Show help information.")
        return lines.joined(separator: "\n")
    }
}

/// The options and arguments one command was given.
struct ParsedCommandLine: Sendable {
    let command: CommandSpec
    var values: [String: String] = [:]
    var flags: Set<String> = []
    var arguments: [String] = []

    /// The option's value, or its default.
    func value(_ long: String) -> String? {
        values[long] ?? command.options.first { $0.long == long }?.defaultValue
    }

    func flag(_ long: String) -> Bool { flags.contains(long) }

    /// The option's value as a whole number of type `T`; a usage error when it is not one.
    func number<T: FixedWidthInteger>(_ long: String) throws(UsageError) -> T? {
        guard let text = value(long) else { return nil }
        guard let number = T(text) else {
            let range = T.bitWidth < 64 ? " from \(T.min) to \(T.max)" : ""
            throw command.usageError("'--\(long)' must be a whole number\(range), got '\(text)'")
        }
        return number
    }
}

/// A command line the program cannot read: said on one line with the usage below it, and the
/// program ends with status 64 (`EX_USAGE`).
struct UsageError: Error, Sendable {
    let message: String
    /// The command it was given to; empty for the program itself.
    var command = ""
}

/// A command that ran and failed, having said why: the program ends with status 1.
struct CommandFailed: Error {}

/// Help's text: two columns of names and what they do, the text from the 27th column, and
/// everything wrapped at 80.
enum HelpColumns {
    static let width = 80
    static let column = 26

    static func row(_ names: String, _ text: String) -> [String] {
        let head = "  " + names
        let words = text.split(separator: " ").map(String.init)
        return head.count < column - 1 ? hanging(head, words, at: column) : [head] + filled(words, indent: String(repeating: " ", count: column))
    }

    /// `words` filled from `column` to the width, with `head` before the first line.
    static func hanging(_ head: String, _ words: [String], at column: Int) -> [String] {
        var lines = filled(words, indent: String(repeating: " ", count: column))
        lines[0] = head + String(repeating: " ", count: column - head.count) + lines[0].dropFirst(column)
        return lines
    }

    /// `text`'s lines, each wrapped at spaces to fit the width after `indent`.
    static func wrapped(_ text: String, indent: String = "") -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { paragraph in
            // A line that fits stays as it is, its own indentation (an example's) kept.
            indent.count + paragraph.count <= width ? [indent + paragraph] : filled(paragraph.split(separator: " ").map(String.init), indent: indent)
        }
    }

    /// `words` one after another, a new line wherever the next would pass the width.
    static func filled(_ words: [String], indent: String) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in words {
            if line.count > indent.count && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
