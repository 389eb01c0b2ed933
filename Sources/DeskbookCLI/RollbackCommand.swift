import ArgumentParser
import Build
import DeskbookSupport

/// `deskbook rollback`: serve the release before the live one again.
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch the output folder back to the previous release.",
        discussion: "The last releases are kept in OUTPUT.releases/; `--list` shows them, newest last."
    )

    @OptionGroup var siteOptions: SiteOptions
    @Option(name: [.short, .long], help: "The output folder (default: SITE/public).")
    var output: String?
    @Flag(help: "List the releases instead of switching.")
    var list = false

    func run() throws {
        let path = FileSystem.absolute(output ?? siteOptions.site + "/public")
        let releases = ReleaseHistory(output: path)
        if list {
            for name in releases.names { print((name == releases.live ? "* " : "  ") + name) }
            return
        }
        do {
            let name = try releases.rollBack()
            print("now serving \(name)")
        } catch {
            Console.error(Diagnostic.error(path, "\(error)").description)
            throw ExitCode.failure
        }
    }
}
