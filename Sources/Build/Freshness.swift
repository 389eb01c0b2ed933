import DeskbookData
import DeskbookSupport

/// Which snapshots are older than `max_data_age` at build time. Data pages warn when theirs
/// is, so a page can change with the clock alone; the build cache keys on these flags and
/// records when the next one will turn.
struct Freshness: Sendable {
    /// Per snapshot, in name order: stale now.
    let stale: [Bool]
    /// When a snapshot that is fresh now turns stale (seconds since 1970); 0 when none will.
    let staleAfter: Int

    init(snapshots: [Snapshot], maxAge: Double?, now: CalendarDate) {
        guard let maxAge else {
            stale = snapshots.map { _ in false }
            staleAfter = 0
            return
        }
        var turns: [Int] = []
        stale = snapshots.map { snapshot in
            guard let taken = snapshot.takenAt else { return false }
            let limit = taken.secondsSinceEpoch + Int(maxAge.rounded(.down))
            // A page is stale once its age exceeds the limit: one second after it.
            if now.secondsSinceEpoch > limit { return true }
            turns.append(limit + 1)
            return false
        }
        staleAfter = turns.min() ?? 0
    }
}
