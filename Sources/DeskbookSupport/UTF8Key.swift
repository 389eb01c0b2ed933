#if canImport(Glibc)
import Glibc
#endif

/// A text as a dictionary key by its exact UTF-8 bytes. `String` hashes and compares by
/// canonical equivalence, normalizing each non-ASCII character as it goes: for Chinese keys
/// looked up once for every page of a site, that costs more than the rest of the work. Two
/// texts spelled with the same characters in different normal forms are two keys here.
public struct UTF8Key: Hashable, Sendable {
    public let text: String

    @inlinable public init(_ text: String) { self.text = text }

    /// The bytes go to the dictionary's hasher as one word of their own hash
    /// (`StableHasher`): cheaper than feeding it every byte, and keys are looked up at every
    /// page (its section, its tags) and every heading.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(StableHasher.hash(text))
    }

    /// What a `Set` or `Dictionary` asks for: the bytes' own hash, without a second hashing of
    /// it by `Hasher` (SipHash), which cost as much as the first.
    public func _rawHashValue(seed: Int) -> Int { StableHasher.tableHash(StableHasher.hash(text), seed: seed) }

    /// Compared in place, as nearly every string can be (`StableHasher.combine` reads them
    /// so too): copies to call `withUTF8` on counted a reference to both strings, at every
    /// lookup of every page's keys.
    public static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool {
        guard lhs.text.utf8.count == rhs.text.utf8.count else { return false }
        let inPlace = lhs.text.utf8.withContiguousStorageIfAvailable { left in
            rhs.text.utf8.withContiguousStorageIfAvailable { right in Self.equal(left, right) }
        }
        if let inPlace, let equal = inPlace { return equal }
        var left = lhs.text, right = rhs.text
        return left.withUTF8 { left in right.withUTF8 { right in Self.equal(left, right) } }
    }

    private static func equal(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        left.count == right.count && (left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0)
    }
}
