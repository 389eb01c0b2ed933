import Content
import DeskbookData
import DeskbookSupport

/// The snapshots a site names under `data:`, opened once per build and shared by every page.
/// Identical queries (same snapshot, SQL and parameters) run once per build.
///
/// Every value a page can show comes out of here, so this is where privacy masks apply: a
/// query's result is masked before any block, inline value, templated page title, CSV or
/// search text sees it, except the columns the page allows (front matter `privacy.allow`).
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
    /// Which columns are masked, and how.
    public let privacy: PrivacyPolicy
    private var unmaskedUses: Set<UnmaskedColumn> = []

    /// A masked column a page showed unmasked, with the allowance that let it through.
    public struct UnmaskedColumn: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var page: String
        public var line: Int
        public var columnNumber: Int
        /// The allowed column, as the page names it.
        public var column: String
        public var reason: String

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.page, lhs.line, lhs.column) < (rhs.page, rhs.line, rhs.column)
        }

        public var description: String { "\(page):\(line):\(columnNumber): shows \(column) unmasked: \(reason)" }
    }

    public init(snapshots: [Snapshot], limits: QueryLimits = QueryLimits(), cache: QueryCache? = nil,
                privacy: PrivacyPolicy = .standard) {
        self.snapshots = Dictionary(snapshots.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultName = snapshots.count == 1 ? snapshots[0].name : nil
        self.limits = limits
        self.cache = cache
        self.privacy = privacy
    }

    public static let empty = SnapshotSet(snapshots: [])

    /// Opens every snapshot of `data:`; a missing or unreadable file is an error naming it.
    public static func open(_ files: [String: String], siteDirectory: String, limits: QueryLimits,
                            cache: QueryCache? = nil, privacy: PrivacyPolicy = .standard) throws(DiagnosticsError) -> SnapshotSet {
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
        return SnapshotSet(snapshots: opened, limits: limits, cache: cache, privacy: privacy)
    }

    public subscript(name: String) -> Snapshot? { snapshots[name] }
    public var names: [String] { snapshots.keys.sorted() }
    public var all: [Snapshot] { names.compactMap { snapshots[$0] } }

    /// The rows of a query as a page may show them: masked columns masked, but those `page`
    /// allows in its front matter.
    public func query(_ snapshot: Snapshot, _ sql: String, parameters: [String: Value], page: Page? = nil) throws(QueryError) -> QueryResult {
        let raw = try unmaskedQuery(snapshot, sql, parameters: parameters)
        let allowances = page?.frontMatter.privacyAllow ?? []
        let (masked, unmasked) = privacy.apply(raw) { names in
            allowances.contains { names.contains($0.column.lowercased()) }
        }
        if let page, !unmasked.isEmpty {
            lock.lock()
            for names in unmasked {
                guard let allowance = allowances.first(where: { names.contains($0.column.lowercased()) }) else { continue }
                unmaskedUses.insert(UnmaskedColumn(page: page.diagnosticPath, line: allowance.line, columnNumber: allowance.columnNumber,
                                                   column: allowance.column, reason: allowance.reason))
            }
            lock.unlock()
        }
        return masked
    }

    /// Every place a page showed a masked column unmasked, in file order.
    public var unmaskedColumns: [UnmaskedColumn] {
        lock.lock()
        defer { lock.unlock() }
        return unmaskedUses.sorted()
    }

    /// Runs a query once per build, and not at all when the cache holds its result for this
    /// snapshot, SQL and parameters. The values are as stored, masks not applied: only for
    /// binding as parameters, never to show (so not visible outside this module).
    func unmaskedQuery(_ snapshot: Snapshot, _ sql: String, parameters: [String: Value]) throws(QueryError) -> QueryResult {
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

extension PrivacyPolicy {
    /// The site's masks: the defaults, with `privacy.mask` added and `privacy.unmask` taken out.
    public init(_ config: SiteConfig) {
        self.init(adding: config.privacyMask.map { Rule($0.column, $0.style) }, removing: config.privacyUnmask)
    }
}
