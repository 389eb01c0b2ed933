import Testing
@testable import Search

@Suite struct TokenizerTests {
    func terms(_ text: String, unigrams: Bool = false, folding: ScriptFolding = .standard) -> [String] {
        var found: [String] = []
        Tokenizer(folding: folding).terms(text, unigrams: unigrams) { found.append($0) }
        return found
    }

    @Test func chineseBecomesOverlappingPairs() {
        #expect(terms("按揭貸款") == ["按揭", "揭贷", "贷款"])
        #expect(terms("貸款，利率") == ["贷款", "利率"])
    }

    @Test func titlesAlsoGetSingleCharacters() {
        #expect(terms("車位", unigrams: true) == ["车", "位", "车位"])
        #expect(ScriptFolding.standard.pairs.contains("貸贷"))
    }

    @Test func latinWordsAreLowerCasedAndFullWidthFolded() {
        #expect(terms("Mortgage ＡＰＰ 2026年") == ["mortgage", "app", "2026"])
        #expect(terms("A棟12F") == ["a", "12f"])
    }

    @Test func traditionalAndSimplifiedFoldToOneForm() {
        let folding = ScriptFolding.standard
        #expect(terms("貸款", folding: folding) == ["贷款"])
        #expect(terms("贷款", folding: folding) == ["贷款"])
        #expect(folding.fold("臺") == "台")
        #expect(folding.fold("台") == "台")
    }

    @Test func postingsEncodeGapsScoresAndSections() {
        let encoded = SearchIndex.encode([(document: 3, score: 1, section: 2), (document: 40, score: 0.5, section: 0)], highest: 1, documentCount: 50)
        // 3 -> "3"; score 63 -> "_"; section 2 -> "2"; gap 37 = 1*32 + 5 -> "X5"; score 32 -> "W"; section 0.
        #expect(encoded == "3_2X5W0")
    }

    @Test func termsOnMostPagesKeepTheirBestPagesAndABitmap() {
        let postings = (0..<600).map { (document: Int32($0), score: Float($0 % 7 + 1), section: UInt8(0)) }
        let encoded = SearchIndex.encode(postings, highest: 7, documentCount: 600)
        #expect(encoded.hasPrefix("!"))
        let parts = encoded.dropFirst().split(separator: "|", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[1] == Substring(String(repeating: "_", count: 100)))
        #expect(encoded.count < 600 * 3)
    }

    @Test func shardKeysFollowTheFirstLettersOrCharacter() {
        #expect(SearchIndex.shardKey("mortgage", cjkShards: 4) == "wmo")
        #expect(SearchIndex.shardKey("a", cjkShards: 4) == "wa_")
        #expect(SearchIndex.shardKey("贷款", cjkShards: 4) == "c\(Int(("贷" as Unicode.Scalar).value) % 4)")
    }

    @Test func jsonStringsEscapeQuotesControlsAndTags() {
        #expect(SearchIndex.jsonString("a\"b\\c\n</script>") == "\"a\\\"b\\\\c\\n\\u003c/script>\"")
    }
}
