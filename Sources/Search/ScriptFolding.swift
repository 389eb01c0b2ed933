import Foundation

/// Traditional and Simplified Chinese find each other: every CJK character is folded to one
/// form (the Simplified one, by ICU's `Hant-Hans` transform) before indexing and before
/// searching. The table covers the characters of the site and their other forms, and is
/// shipped to the search script so queries fold the same way.
public struct ScriptFolding: Sendable {
    /// Character -> its folded form, only where they differ.
    public let table: [Unicode.Scalar: Unicode.Scalar]

    public init(table: [Unicode.Scalar: Unicode.Scalar]) { self.table = table }

    /// Builds the table for the CJK characters that occur in `texts`, in both directions:
    /// a site written in Traditional also folds a Simplified query, and the reverse.
    public static func forCharacters(_ characters: Set<Unicode.Scalar>) -> ScriptFolding {
        let cjk = characters.filter(Tokenizer.isCJK).sorted { $0.value < $1.value }
        guard !cjk.isEmpty else { return ScriptFolding(table: [:]) }
        let simplified = transform(cjk, "Hant-Hans")
        let traditional = transform(cjk, "Hans-Hant")
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (index, character) in cjk.enumerated() {
            // The character and its Traditional form both fold to the Simplified form.
            let canonical = simplified[index]
            for variant in [character, traditional[index]] where variant != canonical { table[variant] = canonical }
        }
        return ScriptFolding(table: table)
    }

    /// One transform call for all characters, one per line: far cheaper than one per character.
    static func transform(_ characters: [Unicode.Scalar], _ name: String) -> [Unicode.Scalar] {
        let joined = characters.map { String($0) }.joined(separator: "\n")
        let result = joined.applyingTransform(StringTransform(name), reverse: false) ?? joined
        let lines = result.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == characters.count else { return characters }
        return zip(lines, characters).map { line, original in
            line.unicodeScalars.count == 1 ? line.unicodeScalars.first! : original
        }
    }

    public func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar { table[scalar] ?? scalar }
}
