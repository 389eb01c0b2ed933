import DeskbookData
import DeskbookSupport

/// The snapshots a site names under `data:`, opened once per build and shared by every page.
/// Identical queries (same snapshot, SQL and parameters) run once per build.
public final class SnapshotSet: @unchecked Sendable {
    private let snapshots: [String: Snapshot]
    /// The snapshot a page reads when neither its block nor its front matter names one:
    /// the only one, if there is one.
    public let defaultName: String?
    public let limits: QueryLimits
    /// Results kept between builds; nil keeps nothing.
    public let cache: QueryCache?
    private var memo: [String: QueryResult] = [:]
    private let lock = Mutex()
    /// How many queries ran against SQLite in this build (the others came from the cache).
    public private(set) var queriesRun = 0

    public init(snapshots: [Snapshot], limits: QueryLimits = QueryLimits(), cache: QueryCache? = nil) {
        self.snapshots = Dictionary(snapshots.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultName = snapshots.count == 1 ? snapshots[0].name : nil
        self.limits = limits
        self.cache = cache
    }

    public static let empty = SnapshotSet(snapshots: [])

    /// Opens every snapshot of `data:`; a missing or unreadable file is an error naming it.
    public static func open(_ files: [String: String], siteDirectory: String, limits: QueryLimits,
                            cache: QueryCache? = nil) throws(DiagnosticsError) -> SnapshotSet {
        var opened: [Snapshot] = []
        var problems: [Diagnostic] = []
        for (name, file) in files.sorted(by: { $0.key < $1.key }) {
            let path = file.hasPrefix("/") ? file : siteDirectory + "/" + file
            guard FileSystem.isRegularFile(path) else {
                problems.append(.error("deskbook.yaml", "snapshot '\(name)': no such file \(file)"
                                       + (file.hasSuffix("office.sqlite") ? "; run 'deskbook sample-data' to make the example one" : "")))
                continue
            }
            do { opened.append(try Snapshot(name: name, path: path, displayPath: file)) } catch {
                problems.append(.error(file, error.message))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return SnapshotSet(snapshots: opened, limits: limits, cache: cache)
    }

    public subscript(name: String) -> Snapshot? { snapshots[name] }
    public var names: [String] { snapshots.keys.sorted() }
    public var all: [Snapshot] { names.compactMap { snapshots[$0] } }

    /// Runs a query once per build, and not at all when the cache holds its result for this
    /// snapshot, SQL and parameters.
    public func query(_ snapshot: Snapshot, _ sql: String, parameters: [String: Value]) throws(QueryError) -> QueryResult {
        let key = QueryCache.key(snapshotHash: snapshot.name + snapshot.contentHash, sql: sql, parameters: parameters)
        lock.lock()
        let remembered = memo[key]
        lock.unlock()
        if let remembered { return remembered }
        let result: QueryResult
        if let cached = cache?.load(key) {
            result = cached
        } else {
            result = try snapshot.query(sql, parameters: parameters, limits: limits)
            cache?.store(key, result)
            lock.lock()
            queriesRun += 1
            lock.unlock()
        }
        lock.lock()
        memo[key] = result
        lock.unlock()
        return result
    }
}
