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

    /// A page's terms are kept encoded (in memory and in the build cache); reading them back
    /// gives every term with its weighted count, its first section, and the page's length.
    @Test func pageTermsReadBackExactly() {
        let terms = PageTerms(title: "車位貸款", synonyms: ["按揭"], reply: "可以", sections: [
            .init(anchor: "", heading: "", text: "車位貸款利率 loan Loan"),
            .init(anchor: "q", heading: "問題", text: "貸款"),
        ])
        var reader = SearchIndex.TermReader(terms.encoded)
        var cjk: [String: (Float, UInt8)] = [:]
        var words: [String: (Float, UInt8)] = [:]
        reader.forEachCJK { code, weight, section in cjk[Tokenizer.string(of: code)] = (weight, section) }
        reader.forEachWord { word, weight, section in words[word] = (weight, section) }
        // 贷款: title (4) + first section (1) + second section (1); first seen in section 0.
        #expect(cjk["贷款"]?.0 == 6)
        #expect(cjk["贷款"]?.1 == 0)
        #expect(cjk["车"]?.0 == 4)
        #expect(cjk["按揭"]?.0 == 3)
        #expect(cjk["问题"]?.0 == 1.5)
        #expect(cjk["问题"]?.1 == 1)
        #expect(words["loan"]?.0 == 2)
        // Title: 4 unigrams + 3 pairs at 4; synonym 1 pair at 3; reply 1 pair at 2;
        // section text 5 pairs + 2 words at 1; heading 1 pair at 1.5; text 1 pair at 1.
        #expect(reader.length == 42.5)
        #expect(terms.excerpts.map(\.anchor) == ["", "q"])
    }

    /// Words of up to eight letters are counted as numbers, longer ones by their text; both
    /// come back in one byte order, with their counts.
    @Test func shortAndLongWordsComeBackInByteOrder() {
        let terms = PageTerms(title: "", synonyms: [], reply: nil, sections: [
            .init(anchor: "", heading: "", text: "zebra Internationalization apple abcdefghij abcdefgh ＡＰＰＬＥ a"),
        ])
        var reader = SearchIndex.TermReader(terms.encoded)
        var words: [(String, Float)] = []
        reader.forEachWord { word, weight, _ in words.append((word, weight)) }
        #expect(words.map(\.0) == ["a", "abcdefgh", "abcdefghij", "apple", "internationalization", "zebra"])
        #expect(words.first { $0.0 == "apple" }?.1 == 2)
    }

    /// The index reads one part of the terms at a time; the parts together are all the terms.
    @Test func termPartsTogetherHoldEveryTerm() {
        let terms = PageTerms(title: "㐀車位𠀀", synonyms: ["按揭", "龜山"], reply: nil, sections: [.init(anchor: "", heading: "", text: "一丁 鿿 word")])
        var all: [UInt64] = []
        var reader = SearchIndex.TermReader(terms.encoded)
        reader.forEachCJK { code, _, _ in all.append(code) }
        var byPart: [UInt64] = []
        let starts = SearchIndex.PartStarts([terms.encoded])
        for part in 0..<TermParts.cjkCount {
            var partReader = SearchIndex.TermReader(terms.encoded, partAt: starts.start(page: 0, part: part))
            var block = partReader.block()
            while let term = partReader.next(in: &block) {
                #expect(TermParts.part(ofCJK: term.code) == part)
                byPart.append(term.code)
            }
        }
        #expect(all.count > 8)
        #expect(byPart == all)
        var words: [String] = []
        var wordReader = SearchIndex.TermReader(terms.encoded)
        wordReader.forEachWord { word, _, _ in words.append(word) }
        #expect(words == ["word"])
    }

    @Test func aPagesTermsComeOutInCodeOrderWithTheirCounts() {
        var generator = SystemRandomNumberGenerator()
        // Two code points each, as the tokenizer makes them (a pair, or one in the upper half).
        let codes = (0..<3_000).map { _ in
            UInt64.random(in: 1...0x10FFFF, using: &generator) << 32 | UInt64.random(in: 0...0x10FFFF, using: &generator)
        }
        let counter = TermCounter(expected: 8)
        for code in codes + codes.prefix(100) { counter.add(code, weight: 1, section: 0) }
        let entries = TermCounter.sorted(counter.codes).map { (code: $0, weight: counter.entry($0).weight) }
        #expect(entries.map(\.code) == Array(Set(codes)).sorted())
        #expect(entries.filter { $0.weight == 2 }.count == Set(codes.prefix(100)).count)
        // As the encoder sorts them: slice by slice of each part, each part where it ends.
        let (terms, partEnds) = counter.sortedByPart()
        let sorted = terms.map { counter.term(Int($0.number)).code }
        #expect(sorted == Array(Set(codes)).sorted())
        #expect(terms.map(\.packed) == sorted.map(TermParts.packed))
        // Each term's weight comes with it: the repeated codes counted twice.
        #expect(terms.filter { counter.term(Int($0.number)).weight == 2 }.count == Set(codes.prefix(100)).count)
        for part in 0..<TermParts.cjkCount {
            let range = (part == 0 ? 0 : partEnds[part - 1])..<partEnds[part]
            #expect(sorted[range].allSatisfy { TermParts.part(ofCJK: $0) == part }, "part \(part)")
        }
        #expect(partEnds.last == sorted.count)
    }

    /// The index reads each part of each page from where `PartStarts` found it: the same terms
    /// as reading every page from its start, and at damaged bytes fewer terms, not a crash.
    @Test func eachPartReadFromWhereItStartsHoldsTheSameTerms() {
        let pages = [
            PageTerms(title: "㐀車位𠀀", synonyms: ["按揭"], reply: nil, sections: [.init(anchor: "", heading: "", text: "一丁 鿿 word 龜山")]).encoded,
            PageTerms(title: "貸款利率", synonyms: [], reply: "首期 loan", sections: [.init(anchor: "", heading: "", text: "車位 parking")]).encoded,
            [],
        ]
        func fromTheStart(_ encoded: [UInt8], part: Int) -> [String] {
            var reader = SearchIndex.TermReader(encoded)
            var terms: [String] = []
            if part == TermParts.words {
                reader.forEachWord { word, _, _ in terms.append(word) }
            } else {
                reader.forEachCJK { code, _, _ in if TermParts.part(ofCJK: code) == part { terms.append(Tokenizer.string(of: code)) } }
            }
            return terms
        }
        let starts = SearchIndex.PartStarts(pages)
        var seen = 0
        for part in 0..<TermParts.count {
            let gathered = SearchIndex.postings(of: pages, inPart: part, starts: starts)
            var byPage: [[String]] = Array(repeating: [], count: pages.count)
            for (term, list) in zip(gathered.terms, gathered.postings) {
                for posting in list { byPage[Int(posting.document)].append(term) }
            }
            for page in pages.indices {
                #expect(Set(byPage[page]) == Set(fromTheStart(pages[page], part: part)), "part \(part), page \(page)")
                seen += byPage[page].count
            }
        }
        #expect(seen > 20)
        for cut in 0..<pages[0].count {
            let damaged = [Array(pages[0].prefix(cut)) + [0xFF, 0xFF], pages[1]]
            let damagedStarts = SearchIndex.PartStarts(damaged)
            for part in 0..<TermParts.count {
                // The damaged page reads as what its bytes give; the next page as it is.
                let gathered = SearchIndex.postings(of: damaged, inPart: part, starts: damagedStarts)
                let second = zip(gathered.terms, gathered.postings).filter { $0.1.contains { $0.document == 1 } }.map(\.0)
                #expect(Set(second) == Set(fromTheStart(pages[1], part: part)), "cut at \(cut), part \(part)")
            }
        }
    }

    @Test func damagedTermsReadAsFewerTermsNotACrash() {
        let encoded = PageTerms(title: "車位", synonyms: [], reply: nil, sections: []).encoded
        for cut in 0..<encoded.count {
            var reader = SearchIndex.TermReader(Array(encoded.prefix(cut)) + [0xFF, 0xFF])
            var count = 0
            reader.forEachCJK { code, _, _ in count += 1; _ = Tokenizer.string(of: code) }
            reader.forEachWord { _, _, _ in count += 1 }
            #expect(count <= 3)
        }
    }

    @Test func postingsEncodeGapsScoresAndSections() {
        let encoded = String(decoding: SearchIndex.encoded([(document: 3, value: 1, section: 2), (document: 40, value: 0.5, section: 0)],
                                                          highest: 1, documentCount: 50).bytes, as: UTF8.self)
        // 3 -> "3"; score 63 -> "_"; section 2 -> "2"; gap 37 = 1*32 + 5 -> "X5"; score 32 -> "W"; section 0.
        #expect(encoded == "3_2X5W0")
    }

    /// The cut for a long list's best pages is its `n`th largest value, duplicates counted,
    /// as sorting the values would give, in any order of the values.
    @Test func theNthLargestValueIsTheOneSortingGives() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 7, 100, 101, 640, 5_000, 5_001, 5_002] {
            // Values in no order, rising, falling (as scores can run along a list); many equal
            // ones, or few.
            let highest = count % 2 == 0 ? 40 : 4_000
            var values = (0..<count).map { _ in Float(Int.random(in: 0...highest, using: &generator)) / 2 }
            if count % 3 == 1 { values.sort() } else if count % 3 == 2 { values.sort(by: >) }
            let postings = values.enumerated().map { (document: Int32($0.offset), value: $0.element, section: UInt8(0)) }
            let sorted = postings.map(\.value).sorted(by: >)
            for n in Set([1, 2, min(count, 100), count]) where n <= count {
                #expect(SearchIndex.nthLargest(of: postings[...], n) == Double(sorted[n - 1]), "count \(count), n \(n)")
            }
        }
    }

    @Test func termsOnMostPagesKeepTheirBestPagesAndABitmap() {
        let postings = (0..<600).map { (document: Int32($0), value: Float($0 % 7 + 1), section: UInt8(0)) }
        let encoded = String(decoding: SearchIndex.encoded(postings[...], highest: 7, documentCount: 600).bytes, as: UTF8.self)
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

@Suite struct SearchIndexTests {
    /// 300 FAQ pages; `rarest` is in the text of page 5 and in the title of page 250.
    static let documents: [SearchDocument] = (0..<300).map { document($0) }

    /// Page `number` of `documents`; with its text `repeated`, the same terms weighted more;
    /// with `extra` text at its end.
    static func document(_ number: Int, repeated: Int = 1, extra: String = "") -> SearchDocument {
        let words = ["按揭", "貸款", "利率", "訂金", "退還", "車位", "交屋", "驗收", "mortgage", "deposit", "parking", "handover"]
        let once = (0..<40).map { words[($0 * 7 + number * 3) % words.count] + (($0 + number) % 5 == 0 ? "。" : "") }.joined()
        let text = Array(repeating: once, count: repeated).joined(separator: "。") + (number == 5 ? " rarest" : "") + extra
        let title = words[number % words.count] + words[(number + 5) % words.count] + (number == 250 ? " rarest" : "")
        let terms = PageTerms(title: title, synonyms: number % 3 == 0 ? ["房貸"] : [],
                              reply: number % 2 == 0 ? "可以，" + words[number % 4] : nil,
                              sections: [.init(anchor: "", heading: "", text: text), .init(anchor: "a", heading: words[number % 6], text: text)])
        return SearchDocument(title: "問題 \(number)", url: "/faq/\(number)/", place: "常見問題", reply: nil,
                              boost: number % 2 == 0 ? 1.6 : 1, terms: terms)
    }

    /// The quantized scores (0-63) of `rarest` on its two pages, text then title, from the
    /// shard that holds it: `{"rarest":"<gap><score><section><gap><score><section>"}`.
    func rarestScores(_ files: [(path: String, bytes: [UInt8])]) throws -> (text: Int, title: Int) {
        let shard = try #require(files.first { $0.path == "search/t/wra.json" })
        let postings = try #require(String(decoding: shard.bytes, as: UTF8.self).split(separator: "\"").dropFirst(3).first)
        let values = postings.utf8.compactMap { SearchIndex.digits.firstIndex(of: $0) }
        try #require(values.count == 7)
        return (values[1], values[5])
    }

    /// A site whose postings fit in memory is read once and scored against the highest score
    /// found: the rare word in a title takes the top of the scale, less the scale's rounding
    /// (`Scoring.scale`; it is not its term's first page, so the highest must be taken from
    /// the right posting).
    @Test func theHighestScoreFoundTakesTheTopOfTheScale() throws {
        let scores = try rarestScores(SearchIndex.build(Self.documents, synonyms: [["按揭", "房貸"]]))
        #expect(scores.title >= 60)
        #expect(scores.text < 48)
    }

    /// Gathered leanly (read twice, each posting put in its place the second time), every
    /// part holds the same terms and postings, in the same order, as gathered at once.
    @Test func aPartGatheredLeanlyHoldsTheSamePostings() throws {
        let encoded = Self.documents.map(\.terms.encoded)
        let starts = SearchIndex.PartStarts(encoded)
        var postings = 0
        for part in 0..<TermParts.count {
            let atOnce = SearchIndex.postings(of: encoded, inPart: part, starts: starts)
            let leanly = SearchIndex.postings(of: encoded, inPart: part, starts: starts, leanly: true)
            #expect(leanly.terms == atOnce.terms)
            #expect(leanly.postings.count == atOnce.postings.count)
            for (lean, whole) in zip(leanly.postings, atOnce.postings) {
                #expect(lean.map(\.document) == whole.map(\.document))
                #expect(lean.map(\.value) == whole.map(\.value))
                #expect(lean.map(\.section) == whole.map(\.section))
                postings += whole.count
            }
        }
        // Both kinds of part, with postings on many pages.
        #expect(postings > 5_000)
        #expect(!SearchIndex.postings(of: encoded, inPart: TermParts.words, starts: starts, leanly: true).terms.isEmpty)
    }

    /// A larger site is read a part of its terms at a time and scored against the highest a
    /// posting could have: the same files and terms, the same order of pages, with the top
    /// scores lower on the scale.
    @Test func aLargeSiteIsScoredAgainstTheHighestPossible() throws {
        let whole = SearchIndex.build(Self.documents, synonyms: [["按揭", "房貸"]])
        let byParts = SearchIndex.build(Self.documents, synonyms: [["按揭", "房貸"]], postingsInOneReading: 0)
        #expect(whole.count > 10)
        #expect(whole.map(\.path) == byParts.map(\.path))
        let scores = try rarestScores(byParts)
        #expect(scores.title >= 32 && scores.title < 63)
        #expect(scores.text < scores.title)
    }
}
