import CUTF8

/// Checks that bytes are well-formed UTF-8, judging as `String(validating:as:)` does (no
/// overlong forms, no surrogates, nothing above U+10FFFF), without making a `String`.
///
/// Loading checks every byte of every page. Where the processor has AVX2, 32 bytes are checked
/// at a time (`CUTF8`): about 0.3 instructions a byte, whatever the mix of scripts. Elsewhere,
/// `isValidScalar` takes about four instructions a byte of Chinese text (the standard
/// library's check takes about sixteen) and passes ASCII eight bytes at a time.
public enum UTF8Validation {
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Under half a block, the vector check's setup costs more than the bytes: the build
        // cache's keys and short texts are checked a byte at a time.
        guard bytes.count >= 16, let valid = isValidVector(bytes) else { return isValidScalar(bytes) }
        return valid
    }

    /// Whether `isValid` checks 32 bytes at a time.
    public static let hasVectorCheck = deskbook_utf8_avx2_available() == 1

    /// The check 32 bytes at a time; nil where the processor has no AVX2.
    public static func isValidVector(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard hasVectorCheck else { return nil }
        guard let start = bytes.baseAddress else { return true }
        return deskbook_utf8_valid_avx2(start, bytes.count) == 1
    }

    /// The check a byte or a character at a time, for processors without AVX2.
    public static func isValidScalar(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = bytes.baseAddress else { return true }
        let count = bytes.count
        // Wrapping arithmetic: a position never nears `Int.max`.
        var position = 0
        @inline(__always) func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
        while position < count {
            let lead = start[position]
            if lead < 0x80 {
                position &+= 1
                while position &+ 8 <= count,
                      UnsafeRawPointer(start + position).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    position &+= 8
                }
                continue
            }
            if lead >= 0xE0 && lead < 0xF0 {
                guard position &+ 2 < count else { return false }
                let second = start[position &+ 1]
                // E0 must not be overlong (A0…BF), ED must not be a surrogate (80…9F).
                let lowest: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
                let highest: UInt8 = lead == 0xED ? 0x9F : 0xBF
                guard second >= lowest && second <= highest && isContinuation(start[position &+ 2]) else { return false }
                position &+= 3
                // Most of a Chinese page is three-byte characters in a row: while they are, each
                // is checked with one load (a lead of E1…EC or EE…EF, two continuation bytes).
                while position &+ 4 <= count {
                    let word = UInt32(littleEndian: UnsafeRawPointer(start + position).loadUnaligned(as: UInt32.self))
                    let lead = UInt8(truncatingIfNeeded: word)
                    guard word & 0x00C0_C0F0 == 0x0080_80E0, lead != 0xE0, lead != 0xED else { break }
                    position &+= 3
                }
            } else if lead >= 0xC2 && lead < 0xE0 {
                guard position &+ 1 < count, isContinuation(start[position &+ 1]) else { return false }
                position &+= 2
            } else if lead >= 0xF0 && lead <= 0xF4 {
                guard position &+ 3 < count else { return false }
                let second = start[position &+ 1]
                // F0 must not be overlong (90…BF), F4 must stay at or below U+10FFFF (80…8F).
                let lowest: UInt8 = lead == 0xF0 ? 0x90 : 0x80
                let highest: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
                guard second >= lowest && second <= highest && isContinuation(start[position &+ 2])
                        && isContinuation(start[position &+ 3]) else { return false }
                position &+= 4
            } else {
                // A continuation byte with no lead, an overlong two-byte lead (C0, C1), or F5…FF.
                return false
            }
        }
        return true
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }
}

extension String {
    /// The text of `bytes` when they are well-formed UTF-8, else nil. Checked by
    /// `UTF8Validation` and then copied as they are: `String(decoding:as:)` checks them again
    /// a byte at a time, which made reading the build cache's texts (mostly Chinese: titles,
    /// summaries, front matter) three times as costly.
    public init?(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else {
            self = ""
            return
        }
        guard UTF8Validation.isValid(bytes) else { return nil }
        self = String(copying: UTF8Span(unchecked: bytes.span))
    }
}
