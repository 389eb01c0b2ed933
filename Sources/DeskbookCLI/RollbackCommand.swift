import Build
import DeskbookSupport

/// `deskbook rollback`: serve the release before the live one again.
struct RollbackCommand: Command {
    static let spec = CommandSpec(
        name: "rollback",
        abstract: "Switch the output folder back to the previous release.",
        discussion: "The last releases are kept in OUTPUT.releases/; `--list` shows them, newest last.",
        options: [
            CommandSpec.site,
            .value("output", short: "o", help: "The output folder (default: SITE/public)."),
            .flag("list", help: "List the releases instead of switching."),
        ]
    )

    let site: String
    let output: String?
    let list: Bool

    init(_ parsed: ParsedCommandLine) {
        (site, output, list) = (parsed.value("site")!, parsed.value("output"), parsed.flag("list"))
    }

    func run() throws {
        let path = FileSystem.absolute(output ?? site + "/public")
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
            throw CommandFailed()
        }
    }
}
