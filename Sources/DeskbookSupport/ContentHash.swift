/// A fast 64-bit FNV-1a hash, used to give asset file names a content fingerprint
/// (`style.1f3a9c0e2b7d4a61.css`) so browsers may cache them forever.
public enum ContentHash {
    public static func fnv1a64<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// A fingerprint of a large file (a snapshot of hundreds of megabytes), eight bytes at a
    /// time: FNV's byte loop would cost more than reading the file.
    public static func fast(_ bytes: [UInt8]) -> String {
        var hasher = StableHasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let digits = String(hasher.value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let value = fnv1a64(bytes)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A 64-bit hash that is the same in every run (Swift's `Hasher` is seeded per process), fed
/// piece by piece: the build's cache keys are made with it. Eight bytes a step, in four lanes
/// over a long run of bytes.
public struct StableHasher: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public var value: UInt64 { state }

    public mutating func combine(_ word: UInt64) { state = Self.mixed(state, word) }

    @inline(__always)
    private static func mixed(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
        return product ^ (product >> 29)
    }

    public mutating func combine(_ number: Int) { combine(UInt64(bitPattern: Int64(number))) }

    public mutating func combine(_ flag: Bool) { combine(flag ? 1 : 2) }

    /// The text's length goes in first, so that ("ab", "c") and ("a", "bc") differ.
    public mutating func combine(_ text: String) {
        // Read in place, as nearly every string is: a copy to call `withUTF8` on retains and
        // releases the string's storage, tens of thousands of times a build.
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { combine(bytes: UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var text = text
        text.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func combine(_ text: String?) {
        if let text { combine(text) } else { combine(0x6e75_6c6c as UInt64) }
    }

    public mutating func combine(bytes raw: UnsafeRawBufferPointer) {
        state ^= UInt64(raw.count)
        let words = raw.count / 8
        var index = 0
        if words >= 8 {
            // Four lanes over a long run (a file's bytes, a cache record): each word's multiply
            // waits on its own lane's last one, not on every word before it.
            var lanes = (state, state ^ 0x243F_6A88_85A3_08D3, state ^ 0x1319_8A2E_0370_7344, state ^ 0xA409_3822_299F_31D0)
            while index + 4 <= words {
                let offset = index * 8
                lanes.0 = Self.mixed(lanes.0, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                lanes.1 = Self.mixed(lanes.1, raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                lanes.2 = Self.mixed(lanes.2, raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
                lanes.3 = Self.mixed(lanes.3, raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
                index += 4
            }
            state = lanes.0
            combine(lanes.1)
            combine(lanes.2)
            combine(lanes.3)
        }
        while index < words {
            combine(raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            index += 1
        }
        for index in (words * 8)..<raw.count {
            state = (state ^ UInt64(raw[index])) &* 0x0000_0100_0000_01B3
        }
    }

    /// The hash of one text, for a quick key.
    public static func hash(_ text: String) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(text)
        return hasher.value
    }

    public static func hash(bytes: [UInt8]) -> UInt64 { hash(bytes: bytes[...]) }

    public static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(bytes: bytes)
        return hasher.value
    }

    public static func hash(bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { hash(bytes: $0) }
    }

    public static func hash(bytes: ByteSlice) -> UInt64 {
        bytes.withUnsafeBytes { hash(bytes: $0) }
    }
}

extension StableHasher {
    /// A stable hash as a hash table's (`Hashable._rawHashValue(seed:)`): the table's seed
    /// mixed in, and mixed once more, as the table takes its buckets from the low bits.
    public static func tableHash(_ value: UInt64, seed: Int) -> Int {
        var mixed = value ^ UInt64(bitPattern: Int64(seed))
        mixed ^= mixed >> 32
        mixed &*= 0xD6E8_FEB8_6659_FD93
        mixed ^= mixed >> 32
        return Int(truncatingIfNeeded: mixed)
    }
}

/// A key that is a stable hash already (of a path, a page's id): the build cache's tables of
/// ten thousand are filled and looked up every build, and `Hasher` (SipHash) would hash each
/// key again, at as much cost as the first hash.
public struct StableKey: Hashable, Sendable {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    public func _rawHashValue(seed: Int) -> Int { StableHasher.tableHash(value, seed: seed) }
}
