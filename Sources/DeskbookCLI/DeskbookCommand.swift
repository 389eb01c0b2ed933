import Build
import Content
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// A command of `deskbook`: made from what the command line gave it, then run. A failure it
/// has reported throws `CommandFailed`.
protocol Command: Sendable {
    static var spec: CommandSpec { get }
    init(_ parsed: ParsedCommandLine) throws(UsageError)
    func run() throws
}

/// The program: its commands, `--help`, `help COMMAND` and `--version`.
public enum DeskbookCommand {
    public static let version = "0.1.0"
    static let abstract = "Builds an office intranet from Markdown content and SQLite data snapshots."
    static let commands: [any Command.Type] = [BuildCommand.self, CheckCommand.self, NewCommand.self, SampleDataCommand.self,
                                               RollbackCommand.self, ServeCommand.self]

    /// Set by the program, not by a test running commands in its own process: a build then
    /// ends the process as soon as its report is shown (`BuildCommand`).
    nonisolated(unsafe) public static var endsProcessWhenBuilt = false

    /// Runs the program's command line and ends the process with its status.
    public static func main() -> Never {
        let status = run(Array(CommandLine.arguments.dropFirst()))
        fflush(nil)
        exit(status)
    }

    /// Runs a command line (without the program's name) and returns the exit status: 0, 1 for
    /// a command that failed, 64 for a command line that cannot be read.
    public static func run(_ words: [String]) -> Int32 {
        do {
            guard let first = words.first, !isHelp(first) else {
                print(help)
                return 0
            }
            if first == "--version" {
                print(version)
                return 0
            }
            if first == "help" {
                guard words.count <= 2 else { throw UsageError(message: "help takes one command's name, like 'deskbook help build'") }
                print(try words.count == 2 ? command(words[1]).spec.help : help)
                return 0
            }
            let command = try command(first)
            let rest = words.dropFirst()
            // Help asked for before the options end (`--`), wherever it stands.
            if rest.prefix(while: { $0 != "--" }).contains(where: isHelp) {
                print(command.spec.help)
                return 0
            }
            try command.init(command.spec.parse(rest)).run()
            return 0
        } catch let error as UsageError {
            let spec = try? command(error.command).spec
            Console.error("error: \(error.message)")
            Console.error("usage: " + (spec?.usage ?? "deskbook <command> [options]"))
            Console.error("  see 'deskbook \(spec.map { $0.name + " " } ?? "")--help'")
            return 64
        } catch is CommandFailed {
            return 1
        } catch {
            Console.error("error: \(error)")
            return 1
        }
    }

    private static func isHelp(_ word: String) -> Bool { word == "-h" || word == "--help" }

    private static func command(_ name: String) throws -> any Command.Type {
        for command in commands where command.spec.name == name { return command }
        let names = commands.map { $0.spec.name }.joined(separator: ", ")
        throw UsageError(message: "unknown command '\(name)'; the commands are \(names)")
    }

    /// What `deskbook --help` prints.
    static var help: String {
        var lines = HelpColumns.wrapped("OVERVIEW: \(abstract)") + ["", "USAGE: deskbook <command> [options]", "", "OPTIONS:"]
        lines += HelpColumns.row("--version", "Show the version.")
        lines += HelpColumns.row("-h, --help", "Show help information.")
        lines += ["", "COMMANDS:"]
        for command in commands { lines += HelpColumns.row(command.spec.name, command.spec.abstract) }
        lines += ["", "  See 'deskbook help <command>' for detailed help."]
        return lines.joined(separator: "\n")
    }
}

/// Prints diagnostics the way compilers do, one per line on standard error.
enum Console {
    static func error(_ line: String) {
        var output = StandardError()
        print(line, to: &output)
    }

    static func report(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { error(diagnostic.description) }
    }

    struct StandardError: TextOutputStream {
        mutating func write(_ string: String) {
            var bytes = Array(string.utf8)
            _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        }
    }
}

struct BuildCommand: Command {
    static let spec = CommandSpec(
        name: "build",
        abstract: "Build the site into the output folder (default: SITE/public).",
        discussion: """
        The output folder is a link to a complete release in OUTPUT.releases/: the new site is built \
        beside the live one and switched in with one atomic rename, so a failed or killed build \
        leaves the live site as it was. Broken links are warnings unless --strict.
        """,
        options: [
            CommandSpec.site,
            .value("output", short: "o", help: "The output folder."),
            .flag("strict", help: "Treat warnings (broken links and images) as errors."),
            .flag("drafts", help: "Include pages marked draft: true."),
            .flag("quiet", short: "q", help: "Print nothing but problems."),
            .flag("verbose", short: "v", help: "Print each phase and its time."),
            .flag("separate-phases", help: "Run the phases one after another, so each phase's time is its own (slower; for profiling)."),
            .flag("wait", help: "If another build of the same output is running, wait for it instead of stopping."),
        ]
    )

    let site: String
    let output: String?
    let strict, drafts, quiet, verbose, separatePhases, wait: Bool

    init(_ parsed: ParsedCommandLine) {
        (site, output) = (parsed.value("site")!, parsed.value("output"))
        (strict, drafts, quiet, verbose) = (parsed.flag("strict"), parsed.flag("drafts"), parsed.flag("quiet"), parsed.flag("verbose"))
        (separatePhases, wait) = (parsed.flag("separate-phases"), parsed.flag("wait"))
    }

    func run() throws {
        var options = BuildOptions(siteDirectory: site, outputDirectory: output)
        options.strict = strict
        options.includeDrafts = drafts
        options.separatePhases = separatePhases
        options.waitForLock = wait
        // On a terminal, one line that shows the phase done last; elsewhere (cron, CI, a
        // log) every phase on its own line with its time. -v prints the lines on a terminal too.
        let progress = Progress(mode: quiet ? .silent : verbose || isatty(1) == 0 ? .lines : .oneLine)
        func show(_ report: BuildReport) {
            progress.finish()
            if verbose { print("queries run: \(report.queriesRun) (the others came from the cache)") }
            Console.report(report.warnings)
            if !quiet && report.nothingChanged {
                print("nothing changed since the live release was built; wrote nothing "
                      + "(\(report.warnings.count) warnings) in \(formatSeconds(report.seconds)) s")
            } else if !quiet {
                let seconds = report.seconds
                print("built \(report.pageCount) pages into \(options.outputDirectory): \(report.filesWritten) files written, "
                      + "\(report.filesUnchanged) unchanged, \(report.filesRemoved) removed, \(report.pagesRendered) pages rendered, "
                      + "\(report.warnings.count) warnings "
                      + "in \(formatSeconds(seconds)) s")
            }
        }
        do {
            // The process ends as soon as the site is published and the report shown: the system
            // takes back the build's memory faster than the build could free it. Everything is
            // written and closed by then; the report is flushed, and the exit handlers of the
            // libraries, which have nothing left to do, are skipped (half a millisecond).
            let report = try SiteBuilder.build(options, log: { line in progress.show(line) }, built: { report in
                guard DeskbookCommand.endsProcessWhenBuilt else { return }
                show(report)
                fflush(nil)
                Glibc._exit(0)
            })
            show(report)
        } catch {
            progress.finish()
            Console.report(error.diagnostics)
            let count = error.diagnostics.errors.count
            Console.error("error: build failed with \(count) error\(count == 1 ? "" : "s"); the output folder was not changed")
            throw CommandFailed()
        }
    }
}

struct CheckCommand: Command {
    static let spec = CommandSpec(
        name: "check",
        abstract: "Check links, images, front matter and templates without writing anything.",
        discussion: """
        Exits non-zero when anything is wrong; broken links are errors here. Lists every page that \
        shows a masked column unmasked (front matter privacy.allow), with its reason.
        """,
        options: [CommandSpec.site]
    )

    let site: String

    init(_ parsed: ParsedCommandLine) { site = parsed.value("site")! }

    func run() throws {
        var options = BuildOptions(siteDirectory: site)
        options.strict = true
        options.writeOutput = false
        do {
            let report = try SiteBuilder.build(options)
            print("ok: \(report.pageCount) pages checked, no problems found")
            for line in Self.privacyExceptions(report, siteDirectory: options.siteDirectory) { print(line) }
        } catch {
            Console.report(error.diagnostics)
            let count = error.diagnostics.errors.count
            Console.error("error: check found \(count) problem\(count == 1 ? "" : "s")")
            throw CommandFailed()
        }
    }
}

extension CheckCommand {
    /// Every exception to the privacy masks: columns the site unmasks, and pages that show a
    /// masked column as it is, each with the reason given.
    static func privacyExceptions(_ report: BuildReport, siteDirectory: String) -> [String] {
        var lines: [String] = []
        if let config = try? SiteConfig.load(siteDirectory: siteDirectory).0, !config.privacyUnmask.isEmpty {
            lines.append("privacy: deskbook.yaml turns off the masks of \(config.privacyUnmask.joined(separator: ", ")) for every page")
        }
        if !report.unmaskedColumns.isEmpty {
            lines.append("privacy: \(report.unmaskedColumns.count) masked column\(report.unmaskedColumns.count == 1 ? "" : "s") shown unmasked (privacy.allow):")
            lines += report.unmaskedColumns.map { "  \($0)" }
        }
        return lines
    }
}

func formatSeconds(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    let fraction = String(hundredths % 100)
    return "\(hundredths / 100)." + (fraction.count == 1 ? "0" : "") + fraction
}

/// How a build tells where it is.
final class Progress {
    enum Mode { case silent, lines, oneLine }
    let mode: Mode
    private var shown = false

    init(mode: Mode) { self.mode = mode }

    func show(_ line: String) {
        switch mode {
        case .silent: break
        case .lines: print(line)
        case .oneLine:
            // Back to the start of the line, the text, then clear what an earlier, longer one left.
            print("\r\(line)\u{1B}[K", terminator: "")
            fflush(nil)
            shown = true
        }
    }

    func finish() {
        if shown {
            print("\r\u{1B}[K", terminator: "")
            fflush(nil)
            shown = false
        }
    }
}
