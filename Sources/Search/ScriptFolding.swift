/// Traditional and Simplified Chinese find each other: every CJK character is folded to one
/// form (the Simplified one, by ICU's `Hant-Hans` transform) before indexing and before
/// searching. The table covers all of CJK Unified Ideographs (and Extension A and the
/// compatibility block), is built from `standardPairs`, and is shipped to the search script
/// so queries fold the same way.
public struct ScriptFolding: Sendable {
    static let first: UInt32 = 0x3400
    static let last: UInt32 = 0xFAFF
    /// Folded form of each code point from `first` to `last` (itself when unchanged).
    let table: [UInt32]

    public static let standard = ScriptFolding(pairs: standardPairs)

    /// `pairs`: each character that changes, then what it becomes (line breaks ignored).
    public init(pairs: String) {
        var table = (Self.first...Self.last).map { $0 }
        var from: Unicode.Scalar?
        for scalar in pairs.unicodeScalars where scalar != "\n" {
            guard let source = from else {
                from = scalar
                continue
            }
            if source.value >= Self.first && source.value <= Self.last { table[Int(source.value - Self.first)] = scalar.value }
            from = nil
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
