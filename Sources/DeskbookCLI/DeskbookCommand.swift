import ArgumentParser
import Build
import Content
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

public struct DeskbookCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "deskbook",
        abstract: "Builds an office intranet from Markdown content and SQLite data snapshots.",
        version: version,
        subcommands: [BuildCommand.self, CheckCommand.self, NewCommand.self, SampleDataCommand.self, RollbackCommand.self, ServeCommand.self]
    )

    public init() {}

    /// Set by the program, not by a test running commands in its own process: a build then
    /// ends the process as soon as its report is shown (`BuildCommand`).
    nonisolated(unsafe) public static var endsProcessWhenBuilt = false
}

/// Options every command that reads a site shares.
struct SiteOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The site folder (holding content/ and deskbook.yaml).")
    var site: String = "."
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

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the site into the output folder (default: SITE/public).",
        discussion: """
        The output folder is a link to a complete release in OUTPUT.releases/: the new site is built \
        beside the live one and switched in with one atomic rename, so a failed or killed build \
        leaves the live site as it was. Broken links are warnings unless --strict.
        """
    )

    @OptionGroup var siteOptions: SiteOptions
    @Option(name: [.short, .long], help: "The output folder.")
    var output: String?
    @Flag(help: "Treat warnings (broken links and images) as errors.")
    var strict = false
    @Flag(help: "Include pages marked draft: true.")
    var drafts = false
    @Flag(name: [.short, .long], help: "Print nothing but problems.")
    var quiet = false
    @Flag(name: [.short, .long], help: "Print each phase and its time.")
    var verbose = false
    @Flag(help: "Run the phases one after another, so each phase's time is its own (slower; for profiling).")
    var separatePhases = false
    @Flag(help: "If another build of the same output is running, wait for it instead of stopping.")
    var wait = false

    func run() throws {
        var options = BuildOptions(siteDirectory: siteOptions.site, outputDirectory: output)
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
            throw ExitCode.failure
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check links, images, front matter and templates without writing anything.",
        discussion: """
        Exits non-zero when anything is wrong; broken links are errors here. Lists every page that \
        shows a masked column unmasked (front matter privacy.allow), with its reason.
        """
    )

    @OptionGroup var siteOptions: SiteOptions

    func run() throws {
        var options = BuildOptions(siteDirectory: siteOptions.site)
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
            throw ExitCode.failure
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
