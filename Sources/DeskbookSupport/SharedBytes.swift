#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes that records point into after they are read: an array, or a file mapped into memory.
/// A rebuild reads the build cache's files (megabytes at ten thousand pages) and keeps
/// pointing into them; mapped, their bytes are the page cache's own pages, neither copied
/// nor put in fresh memory, which made a quarter of a one-page rebuild's page faults.
public final class SharedBytes: @unchecked Sendable {
    /// Where the bytes lie, for as long as this object lives.
    public let buffer: UnsafeBufferPointer<UInt8>
    /// The array whose bytes `buffer` shows (never changed, so they stay where they are).
    private let array: [UInt8]
    /// The mapping `buffer` lies in, unmapped with this object.
    private let mapping: UnsafeMutableRawBufferPointer?
    /// What a mapping needs kept while it lives: the lock that keeps its file from being cut
    /// short under it (`FileSystem.mapFile`).
    private let keeping: AnyObject?

    public init(_ array: [UInt8]) {
        self.array = array
        buffer = array.withUnsafeBufferPointer { $0 }
        mapping = nil
        keeping = nil
    }

    init(mapping: UnsafeMutableRawBufferPointer, count: Int, keeping: AnyObject?) {
        array = []
        buffer = UnsafeBufferPointer(start: mapping.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
        self.mapping = mapping
        self.keeping = keeping
    }

    deinit {
        if let mapping { munmap(mapping.baseAddress, mapping.count) }
    }

    public var count: Int { buffer.count }

    /// Whether the bytes are a file's pages rather than an array's.
    public var isMapped: Bool { mapping != nil }

    /// The bytes in `range`, held without a copy.
    public subscript(range: Range<Int>) -> ByteSlice { ByteSlice(self, range) }
}

/// Some of a `SharedBytes`'s bytes, which it keeps alive: a record left where it was read.
/// Indices are positions in the whole, as an `ArraySlice`'s are.
public struct ByteSlice: RandomAccessCollection, Sendable, Equatable {
    public let storage: SharedBytes
    public let startIndex: Int
    public let endIndex: Int

    public init(_ storage: SharedBytes, _ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= storage.count, "a slice past the bytes")
        self.storage = storage
        (startIndex, endIndex) = (range.lowerBound, range.upperBound)
    }

    /// Bytes of an array of their own.
    public init(_ bytes: [UInt8]) { self.init(SharedBytes(bytes), 0..<bytes.count) }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= startIndex && position < endIndex, "a position past the slice")
        return storage.buffer[position]
    }

    /// The bytes where they lie; valid while the slice lives.
    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: storage.buffer[startIndex..<endIndex]) }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(buffer)) }
    }

    public static func == (lhs: ByteSlice, rhs: ByteSlice) -> Bool {
        lhs.count == rhs.count && lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0 }
        }
    }
}

extension FileSystem {
    /// The first `length` bytes of the file at `path` (all of it when nil or longer than the
    /// file), mapped into memory with its pages filled in at once, or read where it cannot be
    /// mapped (an empty file, say).
    ///
    /// Reading a mapped page past the end of a file kills the process (SIGBUS), so a file is
    /// mapped only while nothing can cut it short: `keeping` is what ensures it (the build
    /// lock, while the build cache's files are only added to or replaced whole), and is kept
    /// until the mapping goes.
    public static func mapFile(_ path: String, length: Int? = nil, keeping: AnyObject) throws -> SharedBytes {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw failure(path) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw failure(path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return SharedBytes(try readFile(path)) }
        let count = min(length ?? Int(info.st_size), Int(info.st_size))
        if count > 0 {
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            let mapped = (count + pageSize - 1) / pageSize * pageSize
            if let start = mmap(nil, mapped, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), start != MAP_FAILED {
                return SharedBytes(mapping: UnsafeMutableRawBufferPointer(start: start, count: mapped), count: count, keeping: keeping)
            }
        }
        let bytes = try readFile(path)
        return SharedBytes(bytes.count > count ? Array(bytes.prefix(count)) : bytes)
    }
}
