import DeskbookSupport
import SampleData

/// `deskbook sample-data`: writes the example snapshot the example dashboards read.
struct SampleDataCommand: Command {
    static let spec = CommandSpec(
        name: "sample-data",
        abstract: "Write the example SQLite snapshot of a sales office (deterministic).",
        discussion: """
        18 months of an office with 40 agents in 5 teams: targets, visits, leads, deals, inquiries, \
        complaints, training, receipts and budget. The same options always give the same rows; \
        only _meta.snapshot_at changes with --snapshot-at.
        """,
        options: [
            CommandSpec.site,
            .value("output", short: "o", help: "The file to write (default: SITE/data/office.sqlite)."),
            .value("deals", help: "Total deals over the 18 months (default: the office's natural pace, about 1,100)."),
            .value("seed", default: "20261125", help: "Seed of the random generator."),
            .value("as-of", default: "2026-11-25", help: "Last day with data, like 2026-11-25."),
            .value("snapshot-at", help: "When the export ran, stored in _meta (default: now)."),
        ]
    )

    let site: String
    let output: String?
    let deals: Int?
    let seed: UInt64
    let asOf: CalendarDate
    let snapshotAt: CalendarDate?

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        (site, output) = (parsed.value("site")!, parsed.value("output"))
        (deals, seed) = (try parsed.number("deals"), try parsed.number("seed")!)
        guard let asOf = CalendarDate(parsing: parsed.value("as-of")!) else { throw Self.spec.usageError("--as-of must be a date like 2026-11-25") }
        self.asOf = asOf
        snapshotAt = parsed.value("snapshot-at").flatMap(CalendarDate.init(parsing:))
        if parsed.value("snapshot-at") != nil && snapshotAt == nil {
            throw Self.spec.usageError("--snapshot-at must be a date and time like 2026-11-26T06:00:00+08:00")
        }
        if let deals, deals < 1 { throw Self.spec.usageError("--deals must be at least 1") }
    }

    func run() throws {
        var office = SampleOffice()
        office.seed = seed
        office.asOf = asOf
        office.deals = deals
        office.snapshotAt = snapshotAt ?? CalendarDate(secondsSinceEpoch: Int(time(nil)))
        let path = output ?? site + "/data/office.sqlite"
        try office.write(to: path)
        print("wrote \(path)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
