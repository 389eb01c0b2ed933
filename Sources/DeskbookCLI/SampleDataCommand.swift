import ArgumentParser
import DeskbookSupport
import SampleData

/// `deskbook sample-data`: writes the example snapshot the example dashboards read.
struct SampleDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data",
        abstract: "Write the example SQLite snapshot of a sales office (deterministic).",
        discussion: """
        18 months of an office with 40 agents in 5 teams: targets, visits, leads, deals, inquiries,
        complaints, training, receipts and budget. The same options always give the same rows;
        only _meta.snapshot_at changes with --snapshot-at.
        """
    )

    @OptionGroup var siteOptions: SiteOptions
    @Option(name: [.short, .long], help: "The file to write (default: SITE/data/office.sqlite).")
    var output: String?
    @Option(help: "Total deals over the 18 months (default: the office's natural pace, about 1,100).")
    var deals: Int?
    @Option(help: "Seed of the random generator.")
    var seed: UInt64 = 20_261_125
    @Option(name: .customLong("as-of"), help: "Last day with data, like 2026-11-25.")
    var asOf: String = "2026-11-25"
    @Option(name: .customLong("snapshot-at"), help: "When the export ran, stored in _meta (default: now).")
    var snapshotAt: String?

    func validate() throws {
        guard CalendarDate(parsing: asOf) != nil else { throw ValidationError("--as-of must be a date like 2026-11-25") }
        if let snapshotAt, CalendarDate(parsing: snapshotAt) == nil {
            throw ValidationError("--snapshot-at must be a date and time like 2026-11-26T06:00:00+08:00")
        }
        if let deals, deals < 1 { throw ValidationError("--deals must be at least 1") }
    }

    func run() throws {
        var office = SampleOffice()
        office.seed = seed
        office.asOf = CalendarDate(parsing: asOf)!
        office.deals = deals
        office.snapshotAt = snapshotAt.flatMap(CalendarDate.init(parsing:)) ?? CalendarDate(secondsSinceEpoch: Int(time(nil)))
        let path = output ?? siteOptions.site + "/data/office.sqlite"
        try office.write(to: path)
        print("wrote \(path)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
