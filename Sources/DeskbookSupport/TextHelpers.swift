#if canImport(Glibc)
import Glibc
#endif

/// Small text operations the stages share, without Foundation.
extension StringProtocol {
    /// Without leading and trailing characters from `set`.
    public func trimming(_ set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }

    /// Without leading and trailing white space.
    public var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }

    /// Without leading and trailing `/`: `/faq/loans/` -> `faq/loans`.
    public var trimmingSlashes: String { trimming("/") }

    /// Every `target` replaced by `replacement`: `{count} rows` -> `3 rows`.
    public func replacing(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension String {
    /// Where the text's `count`th character (grapheme cluster) ends; nil when it has fewer.
    ///
    /// Counts Unicode scalars, on the UTF-8 bytes, while every one is a character of its own
    /// whatever surrounds it (printable ASCII, line breaks, CJK ideographs and punctuation,
    /// full-width forms: nearly all of a Chinese page's text), which is many times faster than
    /// grapheme breaking; at the first other scalar, counts characters as
    /// `index(_:offsetBy:limitedBy:)` does.
    public func endOfCharacter(_ count: Int) -> Index? {
        var text = self
        // The byte offset where the character ends; nil when the text is shorter; .none to hand over.
        let fast: Int?? = text.withUTF8 { bytes in
            var position = 0
            var counted = 0
            while position < bytes.count {
                let lead = bytes[position]
                let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                var value = UInt32(lead)
                if length == 3 && position + 2 < bytes.count {
                    value = (value & 0x0F) << 12 | UInt32(bytes[position + 1] & 0x3F) << 6 | UInt32(bytes[position + 2] & 0x3F)
                }
                guard Self.standsAlone(value, length: length) else { return .none }
                // The next scalar stands alone too, so the character before it has ended.
                if counted == count { return .some(position) }
                counted += 1
                position += length
            }
            return counted == count ? .some(bytes.count) : .some(nil)
        }
        guard let found = fast else { return index(startIndex, offsetBy: count, limitedBy: endIndex) }
        return found.map { utf8.index(utf8.startIndex, offsetBy: $0) }
    }

    /// A scalar that is one whole character wherever it stands (see `endOfCharacter`).
    private static func standsAlone(_ value: UInt32, length: Int) -> Bool {
        switch (length, value) {
        case (1, 0x20...0x7E), (1, 0x0A), (1, 0x09): return true
        case (3, 0x2010...0x2027), (3, 0x3000...0x3029), (3, 0x3030...0x303F), (3, 0x3400...0x4DBF), (3, 0x4E00...0x9FFF),
             (3, 0xFF01...0xFF5E):
            return true
        default: return false
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Eight bytes from `first` as one number, the first the most significant, zero past the
    /// end: two texts whose first bytes differ there compare as these numbers do, which is
    /// faster than comparing the texts (sorting thousands of names or titles each build).
    public func bigEndianWord(from first: Int) -> UInt64 {
        var word: UInt64 = 0
        for position in stride(from: first, to: Swift.min(first + 8, count), by: 1) {
            word |= UInt64(self[position]) << (56 - 8 * (position - first))
        }
        return word
    }

    /// Whether these bytes come before `other`'s in byte order (a shorter text before a longer
    /// one it begins); nil when the two are the same.
    public func precedesByBytes(_ other: UnsafeBufferPointer<UInt8>) -> Bool? {
        let shared = Swift.min(count, other.count)
        if shared > 0 {
            let order = memcmp(baseAddress!, other.baseAddress!, shared)
            if order != 0 { return order < 0 }
        }
        return count == other.count ? nil : count < other.count
    }
}

extension ArraySlice<UInt8> {
    /// Whether both hold the same bytes, compared as memory: `==` and `elementsEqual` go byte
    /// by byte, and a release manifest or an index shard is hundreds of kilobytes.
    public func sameBytes(as other: ArraySlice<UInt8>) -> Bool {
        count == other.count && withUnsafeBytes { left in
            other.withUnsafeBytes { right in left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0 }
        }
    }
}

extension Array where Element == UInt8 {
    /// Markup written into a page or file: a string literal's bytes, without going through
    /// `String` (whose bytes are appended element by element).
    @inlinable public mutating func append(markup: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: markup.utf8Start, count: markup.utf8CodeUnitCount))
    }

    /// A text's bytes, read in place.
    @inlinable public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}

extension String {
    /// This text followed by a literal, made in one allocation: `+` goes through `String`'s
    /// general appending, and every output path of every build is made so (`…/index.html`).
    public func appending(literal: StaticString) -> String {
        var text = self
        return text.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + literal.utf8CodeUnitCount) { buffer in
                if let start = head.baseAddress { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: start, byteCount: head.count) }
                UnsafeMutableRawPointer(buffer.baseAddress! + head.count)
                    .copyMemory(from: literal.utf8Start, byteCount: literal.utf8CodeUnitCount)
                return head.count + literal.utf8CodeUnitCount
            }
        }
    }
}
