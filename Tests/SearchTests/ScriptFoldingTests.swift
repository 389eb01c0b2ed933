import Foundation
import Testing
@testable import Search

@Suite struct ScriptFoldingTests {
    /// The folding table shipped in the source is what ICU's `Hant-Hans` transform gives
    /// today, character by character. On a difference, the test writes the new table's pairs
    /// to a file to paste into `ScriptFoldingTable.swift`.
    @Test func shippedTableIsICUsHantToHans() throws {
        var scalars: [Unicode.Scalar] = []
        for value in ScriptFolding.first...ScriptFolding.last {
            if let scalar = Unicode.Scalar(value), Tokenizer.isCJK(scalar) { scalars.append(scalar) }
        }
        let joined = scalars.map { String($0) }.joined(separator: "\n")
        let folded = try #require(joined.applyingTransform(StringTransform("Hant-Hans"), reverse: false))
            .split(separator: "\n", omittingEmptySubsequences: false)
        try #require(folded.count == scalars.count)
        var pairs = String.UnicodeScalarView()
        for (scalar, result) in zip(scalars, folded) where result.unicodeScalars.count == 1 && result.unicodeScalars.first! != scalar {
            pairs.append(scalar)
            pairs.append(result.unicodeScalars.first!)
        }
        let fromICU = ScriptFolding(pairs: String(pairs))
        let differing = fromICU.table.indices.filter { fromICU.table[$0] != ScriptFolding.standard.table[$0] }
        if !differing.isEmpty {
            try String(pairs).write(toFile: "/tmp/deskbook-folding-pairs.txt", atomically: true, encoding: .utf8)
        }
        #expect(differing.isEmpty, "\(differing.count) characters fold differently; ICU's pairs are in /tmp/deskbook-folding-pairs.txt")
        #expect(ScriptFolding.standard.fold("貸") == "贷")
        #expect(ScriptFolding.standard.fold("臺") == "台")
    }
}
