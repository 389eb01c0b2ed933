#if canImport(Glibc)
import Glibc
#endif

/// BM25 over one site's pages: the page lengths, boosts and counts a term's postings are
/// scored with.
struct Scoring: Sendable {
    let lengths: [Double]
    let boosts: [Double]
    private let count: Double
    /// Rounded to a 32nd of an octave (about 2 %): a ranking cannot tell the difference, and an
    /// edit to one page of many leaves it as it was, so the scores of the terms that page does
    /// not have stay the same and the next build need not encode them again (`IndexMemory`).
    let averageLength: Double
    /// Each page's `lengthNorm`, worked out once rather than at each of its postings.
    private let lengthNorms: [Double]

    init(_ documents: [SearchDocument]) {
        lengths = documents.map(\.terms.length)
        boosts = documents.map(\.boost)
        count = Double(max(documents.count, 1))
        let averageLength = Self.rounded(max(lengths.reduce(0, +) / count, 1))
        self.averageLength = averageLength
        lengthNorms = lengths.map { Self.lengthNorm($0, averageLength: averageLength) }
    }

    /// What BM25 adds to a term's weight on a page of `length`: longer pages count a term less.
    static func lengthNorm(_ length: Double, averageLength: Double) -> Double {
        SearchIndex.k1 * (1 - SearchIndex.b + SearchIndex.b * length / averageLength)
    }

    private func lengthNorm(document: Int32, length: Double?) -> Double {
        length.map { Self.lengthNorm($0, averageLength: averageLength) } ?? lengthNorms[Int(document)]
    }

    static func rounded(_ length: Double) -> Double { exp2((log2(length) * 32).rounded() / 32) }

    /// The score the encoding's scale ends at: the highest score of all, rounded up to a 16th
    /// of an octave (at most about 4 % of the scale left unused). Unrounded, it would move at
    /// every edit to the page that holds it, and every term would be encoded again.
    static func scale(highest: Double) -> Double {
        highest > 0 ? exp2((log2(highest) * 16).rounded(.up) / 16) : 0
    }

    /// How rare a term on `documentFrequency` pages is.
    func inverseFrequency(_ documentFrequency: Int) -> Double {
        log1p((count - Double(documentFrequency) + 0.5) / (Double(documentFrequency) + 0.5))
    }

    /// What BM25 multiplies a term's rarity by, on `document` where it is weighted `weight`.
    func scoreWithoutRarity(_ weight: Float, document: Int32, length: Double? = nil) -> Double {
        let weight = Double(weight)
        return weight * (SearchIndex.k1 + 1) / (weight + lengthNorm(document: document, length: length)) * boosts[Int(document)]
    }

    /// The best page of a term's postings (weights as gathered) and the highest score, which
    /// it gives: the term's rarity is the same for all its pages; the rest of the score is not.
    /// The first page of the highest scores is the best. Scores are quantized against the
    /// highest of all terms.
    func highest(of postings: ArraySlice<SearchIndex.Posting>) -> Highest {
        var best = postings.startIndex
        var bestRest = -Double.infinity
        for position in postings.indices {
            let rest = scoreWithoutRarity(postings[position].value, document: postings[position].document)
            if rest > bestRest { (best, bestRest) = (position, rest) }
        }
        return Highest(score: score(postings[best].value, document: postings[best].document, idf: inverseFrequency(postings.count)),
                       document: postings[best].document, weight: postings[best].value)
    }

    struct Highest: Sendable {
        var score: Float
        var document: Int32
        var weight: Float
    }

    /// A term's postings (weights as gathered, in page order) scored and encoded, quantized
    /// against `highest`.
    func encoded(_ postings: ArraySlice<SearchIndex.Posting>, highest: Double) -> SearchIndex.EncodedPostings {
        let idf = inverseFrequency(postings.count)
        let scored = postings.map { posting -> SearchIndex.Posting in
            (posting.document, score(posting.value, document: posting.document, idf: idf), posting.section)
        }
        return SearchIndex.encoded(scored[...], highest: highest, documentCount: lengths.count)
    }

    /// BM25 of a term of inverse frequency `idf` on `document`, weighted `weight` there; the
    /// page's `length` when it is not the one it has now.
    func score(_ weight: Float, document: Int32, idf: Double, length: Double? = nil) -> Float {
        let weight = Double(weight)
        let score = idf * weight * (SearchIndex.k1 + 1) / (weight + lengthNorm(document: document, length: length))
        return Float(score * boosts[Int(document)])
    }
}
