import DeskbookSupport
import Testing

@Suite struct TextHelpersTests {
    /// The fast count of characters agrees with grapheme breaking, on text it can count alone
    /// and on text where it must hand over (combining marks, emoji, CR LF, Hangul, Thai).
    @Test func endOfCharacterAgreesWithGraphemeBreaking() {
        let texts = [
            "", "a", "貸款利率", "首期 20%，「按揭」— 約 30 年。\n第二行\tTab",
            "e\u{301}clair café", "車位👨‍👩‍👧貸款", "line\r\nbreak", "한국어 텍스트", "ภาษาไทย", "漢\u{FE00}字",
            "ｶﾞｷﾞ半角", "〜〰〪〫", "混合 mixed 文字 and 👍🏽 end",
        ]
        for text in texts {
            for count in 0...(text.count + 2) {
                let expected = text.index(text.startIndex, offsetBy: count, limitedBy: text.endIndex)
                #expect(text.endOfCharacter(count) == expected, "\(text.debugDescription) at \(count)")
            }
        }
    }
}

@Suite struct UTF8ValidationTests {
    /// Both checks (32 bytes at a time where the processor allows, and byte by byte) judge
    /// `bytes` as the standard library does.
    func agrees(_ bytes: [UInt8], _ comment: @autoclosure () -> String) {
        let expected = String(validating: bytes, as: UTF8.self) != nil
        #expect(UTF8Validation.isValid(bytes) == expected, "\(comment()): \(bytes.map { String($0, radix: 16) })")
        #expect(bytes.withUnsafeBufferPointer(UTF8Validation.isValidScalar) == expected,
                "byte by byte, \(comment()): \(bytes.map { String($0, radix: 16) })")
        if let vector = bytes.withUnsafeBufferPointer(UTF8Validation.isValidVector) {
            #expect(vector == expected, "32 bytes at a time, \(comment()): \(bytes.map { String($0, radix: 16) })")
        }
    }

    /// Texts read back from the build cache: well-formed ones as they were written, and damaged
    /// ones (cut inside a character, overlong, a surrogate) as nothing, short or long.
    @Test func cacheTextsAreReadBackOnlyWhenWellFormed() {
        for text in ["", "title", "按揭貸款利率與首期", String(repeating: "車位 parking 👍🏽 ", count: 20)] {
            var writer = ByteWriter()
            writer.text(text)
            var reader = ByteReader(writer.bytes)
            #expect(reader.text() == text)
            #expect(reader.isAtEnd)
        }
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
        for damaged: [UInt8] in [[0xE8, 0xB2], [0x41, 0xC0, 0x80], [0xED, 0xA0, 0x80], Array("按揭".utf8) + [0xE8] + long, long + [0xF4, 0x90, 0x80, 0x80]] {
            var writer = ByteWriter()
            writer.blob(damaged)
            var reader = ByteReader(writer.bytes)
            #expect(reader.text() == nil, "\(damaged)")
            #expect(damaged.withUnsafeBufferPointer { String(validUTF8: $0) } == nil, "\(damaged)")
        }
    }

    /// Every lead byte with every second byte, and each third and fourth byte at the edges of
    /// the continuation range, alone, cut short, and after ASCII of every length up to nine
    /// (so the check's eight-at-a-time pass hands over at every offset).
    @Test func agreesWithTheStandardLibraryOnEveryLeadAndSecondByte() {
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4, 0xFF]
        for lead in 0...255 {
            for second in 0...255 {
                let pair = [UInt8(lead), UInt8(second)]
                agrees(pair, "pair")
                agrees(pair + [0x41], "pair and ASCII")
                // Third and fourth bytes matter only after a lead of three or four bytes.
                guard lead >= 0xE0 else { continue }
                for third in edges {
                    agrees(pair + [third], "three")
                    for fourth in [0x80, 0xBF, 0xC0, 0x41] as [UInt8] { agrees(pair + [third, fourth], "four") }
                }
            }
        }
        let character = Array("貸".utf8)
        for prefix in 0...9 {
            let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: prefix)
            agrees(ascii + character + ascii, "after \(prefix) ASCII bytes")
            agrees(ascii + [0xE8, 0xB2], "cut short after \(prefix) ASCII bytes")
            agrees(ascii + [0x80] + ascii, "stray continuation after \(prefix) ASCII bytes")
        }
    }

    /// After a run of Chinese characters (which the check takes a load at a time), each kind of
    /// bad three-byte sequence, and a sequence cut short, at every place the run can end.
    @Test func agreesWithTheStandardLibraryAfterARunOfChineseCharacters() {
        let run = Array("按揭貸款利率".utf8)
        let endings: [[UInt8]] = [[0xE0, 0x80, 0x80], [0xE0, 0xA0, 0x80], [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xE4, 0x41, 0x80],
                                  [0xE4, 0x80, 0x41], [0xE4, 0xC0, 0x80], [0xEF, 0xBF, 0xBF], [0xE8, 0xB2], [0xE8], [0x80], [0x41], []]
        for length in stride(from: 0, through: run.count, by: 3) {
            for ending in endings {
                agrees(Array(run.prefix(length)) + ending, "\(length / 3) characters, then \(ending)")
                agrees(Array(run.prefix(length)) + ending + Array("款".utf8), "\(length / 3) characters, then \(ending), then one more")
            }
        }
    }

    /// The 32-byte check judges each byte with the three before it, which may lie in the block
    /// before, and a sequence cut short by the end in a block of its own: each kind of sequence,
    /// good and bad, at every offset across the edges of two blocks, after ASCII and after
    /// Chinese text (whose prefixes cut characters too), and followed by more text or by nothing.
    @Test func agreesAcrossTheEdgesOfBlocks() {
        let sequences: [[UInt8]] = [
            Array("é".utf8), Array("貸".utf8), Array("👍".utf8), Array("\u{10FFFF}".utf8), Array("\u{D7FF}".utf8), Array("\u{E000}".utf8),
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xBF, 0xBF], [0xE8, 0xB2], [0xF0, 0x9F, 0x91], [0xC3], [0xE8], [0xF0],
            [0xE8, 0x41, 0x80], [0xF0, 0x9F, 0x41, 0x80],
        ]
        let fillers = [[UInt8](repeating: UInt8(ascii: "a"), count: 80), Array(String(repeating: "按揭貸款", count: 8).utf8)]
        let after: [[UInt8]] = [[], Array("x".utf8), Array("利率".utf8), [UInt8](repeating: UInt8(ascii: "b"), count: 40)]
        for filler in fillers {
            for offset in 0...70 {
                for sequence in sequences {
                    for rest in after {
                        agrees(Array(filler.prefix(offset)) + sequence + rest, "at \(offset), then \(rest.count) bytes")
                    }
                }
            }
        }
    }

    /// Random mixtures of ASCII, Chinese, emoji and stray bytes, mostly valid.
    @Test func agreesWithTheStandardLibraryOnMixedText() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = ["a", "按揭", "👍🏽", "é", "\n", "0123456789", "\u{10FFFF}", "\u{FFFF}"].map { Array($0.utf8) }
            + [[0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xBF], [0xE0, 0x80, 0x80]]
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            // Some long enough for several blocks of the 32-byte check.
            for _ in 0..<Int.random(in: 0...(round % 4 == 0 ? 60 : 12), using: &generator) {
                bytes += pieces[Int.random(in: 0..<pieces.count - (Bool.random(using: &generator) ? 5 : 0), using: &generator)]
            }
            if !bytes.isEmpty && Int.random(in: 0..<4, using: &generator) == 0 { bytes.removeLast() }
            agrees(bytes, "mixed")
        }
        #expect(UTF8Validation.isValid(Array("首期 20%，「按揭」— 約 30 年。👍".utf8)))
        #expect(!UTF8Validation.isValid([0x61, 0xED, 0xA0, 0x80]))
    }
}

@Suite struct HTMLEscapingTests {
    /// Exactly five characters are escaped; every other ASCII character, and text beyond
    /// ASCII (bytes of 128 and up, whose low bits match the five's), stays as it is.
    @Test func onlyTheFiveSpecialCharactersAreEscaped() {
        let escaped: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
        for value in 0..<128 {
            let character = Character(Unicode.Scalar(UInt8(value)))
            #expect(Escape.html("a\(character)b") == "a\(escaped[character] ?? String(character))b", "\(value)")
        }
        let beyond = "\u{A6}\u{BC}\u{3A6}\u{3C}按揭\u{1F3E0}"
        #expect(Escape.html(beyond) == "\u{A6}\u{BC}\u{3A6}&lt;按揭\u{1F3E0}")
    }
}
