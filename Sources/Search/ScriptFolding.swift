import Foundation

/// Traditional and Simplified Chinese find each other: every CJK character is folded to one
/// form (the Simplified one, by ICU's `Hant-Hans` transform) before indexing and before
/// searching. The table covers all of CJK Unified Ideographs (and Extension A and the
/// compatibility block), worked out once per run in one transform call, and is shipped to
/// the search script so queries fold the same way.
public struct ScriptFolding: Sendable {
    static let first: UInt32 = 0x3400
    static let last: UInt32 = 0xFAFF
    /// Folded form of each code point from `first` to `last` (itself when unchanged).
    let table: [UInt32]

    public static let standard = ScriptFolding()

    init() {
        var scalars: [Unicode.Scalar] = []
        for value in Self.first...Self.last {
            if let scalar = Unicode.Scalar(value), Tokenizer.isCJK(scalar) { scalars.append(scalar) }
        }
        let joined = scalars.map { String($0) }.joined(separator: "\n")
        let folded = (joined.applyingTransform(StringTransform("Hant-Hans"), reverse: false) ?? joined)
            .split(separator: "\n", omittingEmptySubsequences: false)
        var table = (Self.first...Self.last).map { $0 }
        if folded.count == scalars.count {
            for (scalar, result) in zip(scalars, folded) where result.unicodeScalars.count == 1 {
                table[Int(scalar.value - Self.first)] = result.unicodeScalars.first!.value
            }
        }
        self.table = table
    }

    @inline(__always)
    public func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        guard value >= Self.first && value <= Self.last else { return scalar }
        return Unicode.Scalar(table[Int(value - Self.first)]) ?? scalar
    }

    /// Every character that folds to another, as one string of pairs: `貸贷說说…`. Compact
    /// for the search script, which reads it two characters at a time.
    public var pairs: String {
        var out = String.UnicodeScalarView()
        for (offset, target) in table.enumerated() where target != Self.first + UInt32(offset) {
            out.append(Unicode.Scalar(Self.first + UInt32(offset))!)
            out.append(Unicode.Scalar(target)!)
        }
        return String(out)
    }
}
