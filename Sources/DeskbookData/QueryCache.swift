import DeskbookSupport

/// Query results kept between builds, so a query whose SQL, parameters and snapshot did not
/// change is not run again. The key hashes all three; a changed snapshot changes every key.
/// The cache is never needed for correctness: deleting its folder is always safe.
public final class QueryCache: @unchecked Sendable {
    let directory: String
    private var used: Set<String> = []
    private let lock = Mutex()

    public init(directory: String) {
        self.directory = directory
    }

    public static func key(snapshotHash: String, sql: String, parameters: [String: Value]) -> String {
        var text = snapshotHash + "\u{0}" + sql
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) { text += "\u{0}\(name)=\(value.typeTag)\(value)" }
        let bytes = Array(text.utf8)
        // Two different 64-bit hashes of the same text: 128 bits against collisions.
        return ContentHash.hex(bytes) + ContentHash.hex(bytes.reversed())
    }

    public func load(_ key: String) -> QueryResult? {
        remember(key)
        guard let bytes = try? FileSystem.readFile(directory + "/" + key) else { return nil }
        return ResultCoding.decode(bytes)
    }

    public func store(_ key: String, _ result: QueryResult) {
        remember(key)
        do {
            try FileSystem.makeDirectories(directory)
            try FileSystem.writeAtomically(directory + "/" + key, ResultCoding.encode(result))
        } catch {
            // A cache that cannot be written only costs time on the next build.
        }
    }

    /// Removes entries this build did not use, so the cache holds one build's results.
    public func prune() {
        lock.lock()
        let keep = used
        lock.unlock()
        for entry in (try? FileSystem.listDirectory(directory)) ?? [] where !keep.contains(entry.name) {
            try? FileSystem.removeFile(directory + "/" + entry.name)
        }
    }

    private func remember(_ key: String) {
        lock.lock()
        used.insert(key)
        lock.unlock()
    }
}

extension Value {
    /// Distinguishes `1` from `'1'` in cache keys.
    public var typeTag: String {
        switch self {
        case .null: return "n"
        case .integer: return "i"
        case .real: return "r"
        case .text: return "t"
        case .blob: return "b"
        }
    }
}

/// A compact binary form of a query result: version, columns with their origins, rows of
/// tagged cells.
enum ResultCoding {
    static let version: UInt8 = 2

    static func encode(_ result: QueryResult) -> [UInt8] {
        var out = ByteWriter()
        out.byte(version)
        out.integer(result.columns.count)
        for (column, origin) in zip(result.columns, result.origins) {
            out.text(column)
            out.text(origin ?? "")
        }
        out.integer(result.rows.count)
        for row in result.rows {
            for cell in row {
                switch cell {
                case .null: out.byte(0)
                case .integer(let value): out.byte(1); out.integer(value)
                case .real(let value): out.byte(2); out.word(value.bitPattern)
                case .text(let value): out.byte(3); out.text(value)
                case .blob(let count): out.byte(4); out.integer(count)
                }
            }
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8]) -> QueryResult? {
        var input = ByteReader(bytes)
        guard input.byte() == version, let columnCount = input.count(limit: 10_000) else { return nil }
        var columns: [String] = []
        var origins: [String?] = []
        for _ in 0..<columnCount {
            guard let name = input.text(), let origin = input.text() else { return nil }
            columns.append(name)
            origins.append(origin.isEmpty ? nil : origin)
        }
        guard let rowCount = input.count() else { return nil }
        var rows: [[Value]] = []
        rows.reserveCapacity(min(rowCount, 1_000_000))
        for _ in 0..<rowCount {
            var row: [Value] = []
            row.reserveCapacity(columnCount)
            for _ in 0..<columnCount {
                switch input.byte() {
                case 0: row.append(.null)
                case 1: guard let value = input.integer() else { return nil }; row.append(.integer(value))
                case 2: guard let value = input.word() else { return nil }; row.append(.real(Double(bitPattern: value)))
                case 3: guard let value = input.text() else { return nil }; row.append(.text(value))
                case 4: guard let value = input.count() else { return nil }; row.append(.blob(value))
                default: return nil
                }
            }
            rows.append(row)
        }
        return input.isAtEnd ? QueryResult(columns: columns, rows: rows, origins: origins) : nil
    }
}
