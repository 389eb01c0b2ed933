/// Receives the terms of a text from `Tokenizer.terms(_:unigrams:into:)`.
public protocol TermSink {
    /// A CJK character pair, or a single character (in the upper half), as two code points.
    mutating func cjk(_ code: UInt64)
    /// A Latin word: lower-case ASCII letters and digits.
    mutating func word(_ letters: UnsafeBufferPointer<UInt8>)
}

/// Splits text into search terms. Latin letters and digits make words (lower-cased, full-width
/// forms folded to ASCII); CJK text makes overlapping pairs of characters (bigrams), so any
/// substring of two or more characters is found: 按揭 in 按揭貸款, 貸款利率 in 商業貸款利率調整.
/// The search script splits queries the same way.
public struct Tokenizer: Sendable {
    public let folding: ScriptFolding

    public init(folding: ScriptFolding) { self.folding = folding }

    public static func isCJK(_ scalar: Unicode.Scalar) -> Bool { isCJK(scalar.value) }

    @inline(__always)
    static func isCJK(_ value: UInt32) -> Bool {
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    /// CJK Unified Ideographs, the block most Chinese text is written in (inside the folding
    /// table's range): its first code point and its size.
    static let mainBlock: (first: UInt32, count: UInt32) = (0x4E00, 0x5200)

    /// A letter or digit of a Latin word, folded: `Ａ` -> `a`.
    static func latin(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        var value = scalar.value
        if value >= 0xFF01 && value <= 0xFF5E { value -= 0xFEE0 }
        switch value {
        case 0x30...0x39, 0x61...0x7A: return Unicode.Scalar(value)
        case 0x41...0x5A: return Unicode.Scalar(value + 32)
        default: return nil
        }
    }

    /// Calls `term` for every term of `text`; `unigrams` adds single CJK characters too
    /// (for titles, so a one-character query finds them).
    public func terms(_ text: String, unigrams: Bool = false, _ term: (String) -> Void) {
        struct Strings: TermSink {
            let term: (String) -> Void
            mutating func cjk(_ code: UInt64) { term(Tokenizer.string(of: code)) }
            mutating func word(_ letters: UnsafeBufferPointer<UInt8>) { term(String(decoding: letters, as: UTF8.self)) }
        }
        withoutActuallyEscaping(term) { term in
            var sink = Strings(term: term)
            terms(text, unigrams: unigrams, into: &sink)
        }
    }

    /// The same terms, handed to `sink`: CJK ones as numbers (two code points in one
    /// `UInt64`), words as their bytes. The index builder counts millions of them; numbers and
    /// bytes hash far faster than strings, and a sink passed `inout` needs no closures.
    public func terms<Sink: TermSink>(_ text: String, unigrams: Bool, into sink: inout Sink) {
        var text = text
        text.withUTF8 { terms(utf8: $0, unigrams: unigrams, into: &sink) }
    }

    /// The same, of text as UTF-8 bytes.
    public func terms<Sink: TermSink>(utf8 bytes: UnsafeBufferPointer<UInt8>, unigrams: Bool, into sink: inout Sink) {
        // A word's letters, folded, go to a buffer no longer than the text: a word is never
        // longer. No array, so no allocation or copy-on-write check per letter.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(bytes.count, 1)) { letters in
            folding.table.withUnsafeBufferPointer { foldTable in
                Self.asciiLetters.withUnsafeBufferPointer { asciiLetters in
                    var length = 0
                    var previous: UInt64 = 0
                    var index = 0
                    let count = bytes.count
                    // Decodes UTF-8 by hand, with wrapping arithmetic (a position never nears
                    // `Int.max`): this loop sees every character of the site.
                    while index < count {
                        let lead = bytes[index]
                        if lead < 0x80 {
                            index &+= 1
                            previous = 0
                            let letter = asciiLetters[Int(lead)]
                            if letter != 0 {
                                letters[length] = letter
                                length &+= 1
                            } else if length > 0 {
                                sink.word(UnsafeBufferPointer(rebasing: letters[..<length]))
                                length = 0
                            }
                            continue
                        }
                        // A sequence cut short by the end of the text reads as no character.
                        var value: UInt32
                        if lead < 0xE0 {
                            value = index &+ 1 < count ? (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index &+ 1] & 0x3F) : 0
                            index &+= 2
                        } else if lead < 0xF0 {
                            value = index &+ 2 < count
                                ? (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index &+ 1] & 0x3F) << 6) | UInt32(bytes[index &+ 2] & 0x3F) : 0
                            index &+= 3
                            // Most of a Chinese page is characters of the main CJK block in a
                            // row: they are taken here, one after another, without the checks
                            // for other scripts and blocks.
                            if value &- Self.mainBlock.first < Self.mainBlock.count {
                                if length > 0 {
                                    sink.word(UnsafeBufferPointer(rebasing: letters[..<length]))
                                    length = 0
                                }
                                while true {
                                    let folded = UInt64(foldTable[Int(value &- ScriptFolding.first)])
                                    if unigrams { sink.cjk(folded << 32) }
                                    if previous != 0 { sink.cjk(previous << 32 | folded) }
                                    previous = folded
                                    guard index &+ 2 < count, bytes[index] & 0xF0 == 0xE0 else { break }
                                    let next = (UInt32(bytes[index] & 0x0F) << 12) | (UInt32(bytes[index &+ 1] & 0x3F) << 6)
                                        | UInt32(bytes[index &+ 2] & 0x3F)
                                    guard next &- Self.mainBlock.first < Self.mainBlock.count else { break }
                                    value = next
                                    index &+= 3
                                }
                                continue
                            }
                        } else {
                            value = index &+ 3 < count
                                ? (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index &+ 1] & 0x3F) << 12) | (UInt32(bytes[index &+ 2] & 0x3F) << 6)
                                    | UInt32(bytes[index &+ 3] & 0x3F) : 0
                            index &+= 4
                        }
                        if Self.isCJK(value) {
                            if length > 0 {
                                sink.word(UnsafeBufferPointer(rebasing: letters[..<length]))
                                length = 0
                            }
                            if value >= ScriptFolding.first && value <= ScriptFolding.last {
                                value = foldTable[Int(value &- ScriptFolding.first)]
                            }
                            let folded = UInt64(value)
                            if unigrams { sink.cjk(folded << 32) }
                            if previous != 0 { sink.cjk(previous << 32 | folded) }
                            previous = folded
                            continue
                        }
                        previous = 0
                        // Full-width letters and digits: `Ａ` is `a`.
                        if value >= 0xFF10 && value <= 0xFF5A, let letter = Self.latin(Unicode.Scalar(value)!) {
                            letters[length] = UInt8(letter.value)
                            length &+= 1
                        } else if length > 0 {
                            sink.word(UnsafeBufferPointer(rebasing: letters[..<length]))
                            length = 0
                        }
                    }
                    if length > 0 { sink.word(UnsafeBufferPointer(rebasing: letters[..<length])) }
                }
            }
        }
    }

    /// Each ASCII byte as a word's letter (`latin`), or 0 where it ends a word.
    static let asciiLetters: [UInt8] = (0..<128).map { byte in latin(Unicode.Scalar(UInt8(byte))).map { UInt8($0.value) } ?? 0 }

    /// A CJK term's text: one character, or a pair.
    /// (A code that is no character, read from a damaged cache, gives U+FFFD rather than a crash.)
    public static func string(of code: UInt64) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(Unicode.Scalar(UInt32(truncatingIfNeeded: code >> 32)) ?? "\u{FFFD}")
        if code & 0xFFFF_FFFF != 0 { scalars.append(Unicode.Scalar(UInt32(code & 0xFFFF_FFFF)) ?? "\u{FFFD}") }
        return String(scalars)
    }

    /// The text folded as the index sees it (for checking a snippet contains a query).
    public func folded(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for raw in text.unicodeScalars {
            if let letter = Self.latin(raw) { out.append(letter) } else { out.append(Self.isCJK(raw) ? folding.fold(raw) : raw) }
        }
        return String(out)
    }
}
