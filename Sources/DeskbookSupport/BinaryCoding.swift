/// A compact binary form for what the build keeps between runs (query results, the build
/// state): little-endian integers and length-prefixed UTF-8 text, read back with bounds checks
/// so a damaged cache file reads as "no cache", never as a crash.
public struct ByteWriter {
    /// Room for what is written, made ahead: its first `count` bytes are written. Bytes are
    /// stored into it rather than appended one by one, as appending checks the array's
    /// uniqueness and room at every byte, and the build cache is millions of small numbers.
    @usableFromInline var buffer: [UInt8] = []
    @usableFromInline var count = 0

    public init() {}

    /// Room for `capacity` bytes made at once: a writer whose size is known ahead does not grow,
    /// and `bytes` hands that room over without a copy once it is filled exactly.
    public init(capacity: Int) { buffer = [UInt8](repeating: 0, count: capacity) }

    /// What was written so far.
    public var bytes: [UInt8] { count == buffer.count ? buffer : Array(buffer[..<count]) }

    /// Stores `size` bytes at the end through `store`, which gets where they go.
    @inlinable
    mutating func store(_ size: Int, _ store: (UnsafeMutablePointer<UInt8>) -> Void) {
        if count + size > buffer.count { buffer += repeatElement(0, count: Swift.max(buffer.count, size, 256)) }
        buffer.withUnsafeMutableBufferPointer { store($0.baseAddress.unsafelyUnwrapped + count) }
        count += size
    }

    @inlinable
    public mutating func byte(_ value: UInt8) { store(1) { $0.pointee = value } }

    @inlinable
    public mutating func integer(_ value: Int64) {
        store(8) { UnsafeMutableRawPointer($0).storeBytes(of: value.littleEndian, as: Int64.self) }
    }

    @inlinable
    public mutating func integer(_ value: Int) { integer(Int64(value)) }

    @inlinable
    public mutating func word(_ value: UInt64) { integer(Int64(bitPattern: value)) }

    @inlinable
    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { blob($0) }
    }

    /// Two texts written as one (`text()` reads them back joined), without joining them first.
    public mutating func text(_ first: String, _ second: String) {
        var first = first, second = second
        integer(first.utf8.count + second.utf8.count)
        first.withUTF8 { raw($0) }
        second.withUTF8 { raw($0) }
    }

    /// Bytes as they are, length first.
    @inlinable
    public mutating func blob(_ value: [UInt8]) { value.withUnsafeBufferPointer { blob($0) } }

    @inlinable
    public mutating func blob(_ value: ArraySlice<UInt8>) { value.withUnsafeBufferPointer { blob($0) } }

    public mutating func blob(_ value: ByteSlice) { withExtendedLifetime(value) { blob(value.buffer) } }

    @inlinable
    public mutating func blob(_ value: UnsafeBufferPointer<UInt8>) {
        integer(value.count)
        raw(value)
    }

    /// A blob (`blob(_:)`) that `write` writes in place, its length put before it once known:
    /// a record made to be stored whole needs no writer of its own to be copied from.
    public mutating func blob(writing write: (inout ByteWriter) -> Void) {
        integer(0)
        let start = count
        write(&self)
        let length = Int64(count - start)
        buffer.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: start - 8, as: Int64.self) }
    }

    /// Bytes as they are, no length.
    @inlinable
    mutating func raw(_ value: UnsafeBufferPointer<UInt8>) {
        guard let source = value.baseAddress, !value.isEmpty else { return }
        store(value.count) { $0.update(from: source, count: value.count) }
    }

    /// Fixed-size values as they lie in memory, their count first: a column of forty thousand
    /// numbers is written in one copy and read back in one (`ByteReader.column`). The build
    /// cache is read only by the program that wrote it, on its machine (`BuildState`'s tool
    /// fingerprint), so the machine's byte order stands.
    public mutating func column<T: BitwiseCopyable>(_ values: [T]) {
        integer(values.count)
        values.withUnsafeBytes { bytes in raw(bytes.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Once what was written passes a megabyte, hands it to `write` and starts again: a file of
    /// tens of megabytes (the build cache's records) is made and written a piece at a time.
    public mutating func passOnWhenFull(to write: FileSystem.Sink) throws {
        guard count >= 1 << 20 else { return }
        try passOn(to: write)
    }

    /// Hands what was written to `write`, where it lies, and starts again (keeping the room).
    public mutating func passOn(to write: FileSystem.Sink) throws {
        let written = count
        try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[..<written])) }
        count = 0
    }

    /// A column (`column(_:)`) handed to `write` from where its values lie, after what was
    /// written before it: a rebuild saves forty thousand terms' numbers, column by column,
    /// and copying each into the writer first cost more than writing it.
    public mutating func column<T: BitwiseCopyable>(_ values: [T], passingOnTo write: FileSystem.Sink) throws {
        guard values.count * MemoryLayout<T>.stride >= 1 << 14 else { return column(values) }
        integer(values.count)
        try passOn(to: write)
        try values.withUnsafeBytes { try write($0) }
    }

    /// Seven bits a byte, the low ones first, the high bit meaning "more" (`ByteReader.varint`).
    @inlinable
    public mutating func varint(_ value: UInt64) {
        store(Self.varintSize(value)) { out in
            var rest = value
            var position = 0
            while rest >= 0x80 {
                out[position] = UInt8(truncatingIfNeeded: rest) | 0x80
                rest >>= 7
                position += 1
            }
            out[position] = UInt8(rest)
        }
    }

    /// A small count or position (a line, a column, a list's length) in as few bytes as it needs.
    @inlinable
    public mutating func small(_ value: Int) { varint(UInt64(max(value, 0))) }

    /// How many bytes a `varint` of `value` takes: seven bits a byte, the high bit meaning
    /// "more" (`ByteReader.varint` reads one; the search terms' encoder writes them).
    @inlinable
    public static func varintSize(_ value: UInt64) -> Int {
        // One byte for each seven bits the value uses, and one for zero.
        Swift.max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }
}

public struct ByteReader {
    /// The bytes read. Visible to inlined code: the search index reads every term of the site
    /// through here.
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    /// What keeps `bytes` where they are: the array read (never changed, so its bytes stay
    /// put), or the shared bytes (a file mapped, say) whose slices outlive the reader.
    private let array: [UInt8]
    private var shared: SharedBytes?
    @usableFromInline var index: Int
    /// Where reading stops: the end of the bytes, or of the range given.
    @usableFromInline let end: Int

    public init(_ bytes: [UInt8]) { self.init(bytes, range: 0..<bytes.count) }

    /// Reads `range` of `bytes` only, without copying them: one record of a file read whole.
    public init(_ bytes: [UInt8], range: Range<Int>) {
        array = bytes
        self.bytes = bytes.withUnsafeBufferPointer { $0 }
        index = range.lowerBound
        end = min(range.upperBound, bytes.count)
    }

    /// Reads `range` of `shared` (all of it when nil); what `blobInPlace()` gives keeps them
    /// alive.
    public init(_ shared: SharedBytes, range: Range<Int>? = nil) {
        array = []
        self.shared = shared
        bytes = shared.buffer
        index = range?.lowerBound ?? 0
        end = min(range?.upperBound ?? shared.count, shared.count)
    }

    public var isAtEnd: Bool { index == end }
    /// Bytes not read yet: a count read from damaged bytes is checked against it.
    public var remaining: Int { end - index }

    /// How far it has read (in `bytes`).
    public var position: Int { index }

    /// Skips `count` bytes and returns where they are in `bytes`; nil past the end.
    public mutating func skip(_ count: Int) -> Range<Int>? {
        guard count >= 0, count <= end - index else { return nil }
        defer { index += count }
        return index..<index + count
    }

    @inlinable
    public mutating func byte() -> UInt8? {
        guard index < end else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    /// The next `count` bytes where they lie, valid while the reader's bytes are: for a look
    /// that keeps nothing (a search term's letters, of every term of the site).
    @inlinable
    public mutating func bytesInPlace(_ count: Int) -> UnsafeBufferPointer<UInt8>? {
        guard count >= 0, count <= end - index else { return nil }
        defer { index += count }
        return UnsafeBufferPointer(rebasing: bytes[index..<index + count])
    }

    /// Skips a block written with its length in bytes first (a `varint`); false at damaged bytes.
    @inlinable
    public mutating func skipBlock() -> Bool {
        guard let length = varint(), length <= UInt64(end - index) else { return false }
        index += Int(length)
        return true
    }

    /// Eight bytes, least significant first, read as one word: every length and count of the
    /// build cache is one, tens of thousands of them a build.
    @inlinable
    public mutating func integer() -> Int64? {
        guard index >= 0, index + 8 <= end else { return nil }
        let value = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped + index).loadUnaligned(as: UInt64.self))
        index += 8
        return Int64(bitPattern: value)
    }

    /// A value written with `ByteWriter.small`, no larger than `limit`.
    @inlinable
    public mutating func small(limit: Int = Int(Int32.max)) -> Int? {
        guard let value = varint(), value <= UInt64(limit) else { return nil }
        return Int(value)
    }

    /// A count or length: never negative, and no larger than `limit`.
    @inlinable
    public mutating func count(limit: Int = Int(Int32.max)) -> Int? {
        guard let value = integer(), value >= 0, value <= limit else { return nil }
        return Int(value)
    }

    @inlinable
    public mutating func word() -> UInt64? { integer().map { UInt64(bitPattern: $0) } }

    @inlinable
    public mutating func text() -> String? {
        guard let count = count(), index + count <= end else { return nil }
        defer { index += count }
        return String(validUTF8: UnsafeBufferPointer(rebasing: bytes[index..<index + count]))
    }

    /// Values written with `ByteWriter.column`, at most `limit` of them.
    public mutating func column<T: BitwiseCopyable>(of type: T.Type, limit: Int = Int(Int32.max)) -> [T]? {
        let stride = MemoryLayout<T>.stride
        guard let count = count(limit: limit), count <= (end - index) / stride else { return nil }
        let start = index
        index += count * stride
        return [T](unsafeUninitializedCapacity: count) { values, initialized in
            UnsafeMutableRawBufferPointer(values).copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<start + count * stride])))
            initialized = count
        }
    }

    /// Passes over a text (`text()`) without making it or checking that it is UTF-8; false at
    /// damaged bytes.
    public mutating func skipText() -> Bool {
        guard let count = count() else { return false }
        return skip(count) != nil
    }

    /// A blob left in the bytes read (a slice of them, not a copy).
    public mutating func blobInPlace() -> ByteSlice? {
        guard let count = count(), count <= end - index else { return nil }
        defer { index += count }
        if shared == nil { shared = SharedBytes(array) }
        return ByteSlice(shared!, index..<index + count)
    }

    public mutating func blob() -> [UInt8]? {
        guard let count = count(), count <= end - index else { return nil }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// Most values read (a search term's gap, weight and section, a count) are under 128: one
    /// byte, read here, without a call (the search index reads every term of the site so).
    @inlinable
    public mutating func varint() -> UInt64? {
        if index < end, bytes[index] < 0x80 {
            defer { index += 1 }
            return UInt64(bytes[index])
        }
        return Self.varint(bytes, at: &index, end: end)
    }

    /// A `varint` at `position` of any bytes (a slice of a file read whole, say), moving past it.
    @inlinable
    public static func varint<Bytes: RandomAccessCollection>(_ bytes: Bytes, at position: inout Int, end: Int) -> UInt64?
        where Bytes.Element == UInt8, Bytes.Index == Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end && shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}

extension Diagnostic {
    /// For the build cache: problems found once are reported again by builds that reuse the work.
    public func encode(into out: inout ByteWriter) {
        out.text(path)
        out.small(line)
        out.small(column)
        out.byte(severity == .error ? 1 : 0)
        out.text(message)
    }

    /// Nil at damaged bytes.
    public static func decode(_ input: inout ByteReader) -> Diagnostic? {
        guard let path = input.text(), let line = input.small(), let column = input.small(),
              let severity = input.byte(), let message = input.text() else { return nil }
        return Diagnostic(path: path, line: line, column: column, severity: severity == 1 ? .error : .warning, message: message)
    }
}

extension CalendarDate {
    public func encode(into out: inout ByteWriter) {
        for part in [month, day, hour, minute, second] { out.small(part) }
        out.integer(year)
        out.byte(utcOffsetMinutes == nil ? 0 : 1)
        out.integer(utcOffsetMinutes ?? 0)
        out.byte(hasTime ? 1 : 0)
    }

    /// Nil at damaged bytes.
    public static func decode(_ input: inout ByteReader) -> CalendarDate? {
        guard let month = input.small(), let day = input.small(), let hour = input.small(), let minute = input.small(),
              let second = input.small(), let year = input.integer(), let hasOffset = input.byte(), let offset = input.integer(),
              let hasTime = input.byte() else { return nil }
        return CalendarDate(year: Int(year), month: Int(month), day: Int(day), hour: Int(hour), minute: Int(minute), second: Int(second),
                            utcOffsetMinutes: hasOffset == 1 ? Int(offset) : nil, hasTime: hasTime == 1)
    }
}

extension YAMLNode {
    public func encode(into out: inout ByteWriter) {
        out.small(line)
        out.small(column)
        switch value {
        case .scalar(let text, let quoted):
            out.byte(quoted ? 1 : 0)
            out.text(text)
        case .sequence(let items):
            out.byte(2)
            out.small(items.count)
            for item in items { item.encode(into: &out) }
        case .mapping(let pairs):
            out.byte(3)
            out.small(pairs.count)
            for (key, value) in pairs {
                key.encode(into: &out)
                value.encode(into: &out)
            }
        }
    }

    /// Passes over a node as `decode` reads it, without making it: false at damaged bytes
    /// (its texts are not checked to be UTF-8, as `decode` does).
    public static func skip(_ input: inout ByteReader, depth: Int = 0) -> Bool {
        guard depth < 200, input.small() != nil, input.small() != nil, let kind = input.byte() else { return false }
        switch kind {
        case 0, 1:
            return input.skipText()
        case 2, 3:
            guard let count = input.small(limit: input.remaining) else { return false }
            for _ in 0..<(kind == 2 ? count : 2 * count) {
                guard skip(&input, depth: depth + 1) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Nil at damaged bytes, or nested deeper than any front matter (which keeps a damaged
    /// file from running the reader down the stack).
    public static func decode(_ input: inout ByteReader, depth: Int = 0) -> YAMLNode? {
        guard depth < 200, let line = input.small(), let column = input.small(), let kind = input.byte() else { return nil }
        switch kind {
        case 0, 1:
            guard let text = input.text() else { return nil }
            return YAMLNode(.scalar(text, quoted: kind == 1), line: line, column: column)
        case 2:
            guard let count = input.small(limit: input.remaining) else { return nil }
            var items: [YAMLNode] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                guard let item = decode(&input, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return YAMLNode(.sequence(items), line: line, column: column)
        case 3:
            guard let count = input.small(limit: input.remaining) else { return nil }
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            pairs.reserveCapacity(count)
            for _ in 0..<count {
                guard let key = decode(&input, depth: depth + 1), let value = decode(&input, depth: depth + 1) else { return nil }
                pairs.append((key, value))
            }
            return YAMLNode(.mapping(pairs), line: line, column: column)
        default:
            return nil
        }
    }
}
