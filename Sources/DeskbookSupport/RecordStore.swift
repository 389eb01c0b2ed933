#if canImport(Glibc)
import Glibc
#endif

/// A file of byte records that builds add to at its end, for what the build cache keeps of
/// every page or term but a rebuild needs of few: a build that changed one page writes that
/// page's records, not the site's tens of megabytes, and reads only the ones it needs. Other
/// records (`BuildState`) point into the file by byte range. Once more than half of it is
/// records nothing points to, it is written anew with the live ones, under a new identity.
public final class RecordStore: @unchecked Sendable {
    public let path: String
    /// Made anew each time the file is written whole: what points into it names the file.
    public let identity: UInt64
    /// Where the records end that anything may point into. What follows was left by a build
    /// that did not finish; the next one writes over it.
    public let end: Int
    private let descriptor: Int32
    private let lock = Mutex()
    private var damage: String?

    static let magic = Array("DBSTORE1".utf8)
    public static let headerSize = 16

    /// The store at `path`, when it is the one with `identity` and holds `end` bytes of records.
    public init?(path: String, identity: UInt64, end: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        guard fstat(descriptor, &info) == 0, Int(info.st_size) >= end, end >= Self.headerSize,
              Self.read(descriptor, into: &header, at: 0), Array(header[..<8]) == Self.magic,
              header[8..<16].reversed().reduce(0, { $0 << 8 | UInt64($1) }) == identity else {
            close(descriptor)
            return nil
        }
        self.path = path
        self.identity = identity
        self.end = end
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Why a record could not be read (the file changed under the build), or nil. A build that
    /// read a damaged record must not publish what it made of it.
    public var damaged: String? { lock.withLock { damage } }

    /// Records that a record read back wrong (its reader checks what it holds).
    public func markDamaged(_ reason: String) {
        lock.withLock { damage = damage ?? "\(path): \(reason)" }
    }

    /// The record in `range`; nil (and the store marked damaged) when it cannot be read.
    public func bytes(_ range: Range<Int>) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: range.count)
        guard range.lowerBound >= Self.headerSize, range.upperBound <= end,
              Self.read(descriptor, into: &bytes, at: range.lowerBound) else {
            markDamaged("the record at \(range.lowerBound) cannot be read")
            return nil
        }
        return bytes
    }

    /// Every record, as one array indexed by their ranges; nil (and the store marked damaged)
    /// when it cannot be read.
    public func whole() -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: end)
        guard Self.read(descriptor, into: &bytes, at: 0) else {
            markDamaged("the store cannot be read")
            return nil
        }
        return bytes
    }

    /// One record to save: one the store read already holds, a new one (its bytes are asked
    /// for as it is written), or the same as an earlier record of the same save.
    public enum Entry: Sendable {
        case stored(Range<Int>)
        case new
        case same(as: Int)
    }

    /// Saves records into the store at `path` and returns where each is; `bytes` makes each new
    /// one as it is written, so that they are made and written a piece at a time. Stored
    /// records (of `previous`, the store there as the last build left it) stay where they are;
    /// new ones are added at its end. When `previous` is nil or damaged, or more than half of
    /// it is records nothing points to any longer, the file is written anew with only these
    /// records, under a new identity.
    public static func save(_ entries: [Entry], to path: String, previous: RecordStore?, bytes: (Int) -> ArraySlice<UInt8>) throws
        -> (identity: UInt64, end: Int, ranges: [Range<Int>]) {
        if let previous, previous.path == path, previous.damaged == nil {
            // Counted as often as pointed to: an estimate, and cheaper than a set of ranges.
            var liveBytes = 0
            for case .stored(let range) in entries { liveBytes += range.count }
            if previous.end - headerSize - liveBytes <= liveBytes + 1 << 20 { return try previous.append(entries, bytes) }
        }
        return try written(entries, bytes, previous: previous, to: path)
    }

    /// Adds the new records at the store's end, in place: what was saved before points below
    /// it. Never written anew: for a save of some of the records that point into the store.
    public func append(_ entries: [Entry], _ bytes: (Int) -> ArraySlice<UInt8>) throws -> (identity: UInt64, end: Int, ranges: [Range<Int>]) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystem.Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(entries.count)
        var pending: [UInt8] = []
        var written = end
        func flush() throws {
            try FileSystem.writeAll(descriptor, pending, at: written, to: path)
            written += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .stored(let range): ranges.append(range)
            case .same(let earlier): ranges.append(ranges[earlier])
            case .new:
                let record = bytes(index)
                let start = written + pending.count
                ranges.append(start..<(start + record.count))
                pending += record
                if pending.count >= 1 << 20 { try flush() }
            }
        }
        try flush()
        guard ftruncate(descriptor, off_t(written)) == 0 else { throw FileSystem.Failure(path: path, reason: String(cString: strerror(errno))) }
        return (identity, written, ranges)
    }

    /// The store written whole under a new identity, each record once: stored ones copied from
    /// `previous`, new ones as `bytes` makes them.
    private static func written(_ entries: [Entry], _ bytes: (Int) -> ArraySlice<UInt8>, previous: RecordStore?, to path: String) throws
        -> (identity: UInt64, end: Int, ranges: [Range<Int>]) {
        let identity = UInt64.random(in: 1...UInt64.max)
        var moved: [Range<Int>: Range<Int>] = [:]
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(entries.count)
        var end = headerSize
        try FileSystem.writeAtomically(path) { write in
            var out = magic
            withUnsafeBytes(of: identity.littleEndian) { out += $0 }
            func add(_ record: ArraySlice<UInt8>) -> Range<Int> {
                out += record
                end += record.count
                return (end - record.count)..<end
            }
            var window = ReadWindow(store: previous)
            for (index, entry) in entries.enumerated() {
                switch entry {
                case .same(let earlier): ranges.append(ranges[earlier])
                case .new: ranges.append(add(bytes(index)))
                case .stored(let range):
                    if let range = moved[range] {
                        ranges.append(range)
                        continue
                    }
                    guard let record = window.bytes(range) else {
                        throw FileSystem.Failure(path: path, reason: "a record to keep cannot be read")
                    }
                    moved[range] = add(record)
                    ranges.append(moved[range]!)
                }
                if out.count >= 1 << 20 {
                    try out.withUnsafeBytes(write)
                    out.removeAll(keepingCapacity: true)
                }
            }
            try out.withUnsafeBytes(write)
        }
        return (identity, end, ranges)
    }

    /// The records a store written anew keeps from the last one, read a few megabytes at a
    /// time: they come mostly in the order they lie in the file, and one read each (tens of
    /// thousands of terms' postings) made the rewrite several times slower.
    private struct ReadWindow {
        let store: RecordStore?
        var start = 0
        var bytes: [UInt8] = []
        static let size = 4 << 20

        mutating func bytes(_ range: Range<Int>) -> ArraySlice<UInt8>? {
            guard let store, range.lowerBound >= RecordStore.headerSize, range.upperBound <= store.end else { return nil }
            if range.lowerBound < start || range.upperBound > start + bytes.count {
                start = range.lowerBound
                let count = min(max(Self.size, range.count), store.end - start)
                if bytes.count != count { bytes = [UInt8](repeating: 0, count: count) }
                guard RecordStore.read(store.descriptor, into: &bytes, at: start) else { return nil }
            }
            return bytes[(range.lowerBound - start)..<(range.upperBound - start)]
        }
    }

    /// Reads `bytes.count` bytes at `offset`; false when the file is shorter or cannot be read.
    private static func read(_ descriptor: Int32, into bytes: inout [UInt8], at offset: Int) -> Bool {
        var done = 0
        let total = bytes.count
        while done < total {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, total - done, off_t(offset + done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            done += count
        }
        return true
    }
}
