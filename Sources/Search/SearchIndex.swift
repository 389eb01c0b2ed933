import Content
import DeskbookSupport

/// One page as the search index sees it.
public struct SearchDocument: Sendable {
    public var title: String
    public var url: String
    /// Where the page stands, shown beside a result: `常見問題 › 貸款與付款`.
    public var place: String
    /// An FAQ entry's short reply.
    public var reply: String?
    public var synonyms: [String]
    public var sections: [SectionText]
    /// Raises a kind of page in the ranking: FAQ questions above long pages that merely
    /// mention the words.
    public var boost: Double

    public init(title: String, url: String, place: String, reply: String?, synonyms: [String], sections: [SectionText], boost: Double) {
        self.title = title
        self.url = url
        self.place = place
        self.reply = reply
        self.synonyms = synonyms
        self.sections = sections
        self.boost = boost
    }
}

/// Writes the search index: small JSON files a query fetches only the parts of.
///
/// - `search/meta.json`: counts, shard layout and the site's synonym groups.
/// - `search/fold.json`: the Traditional/Simplified folding table for queries.
/// - `search/t/KEY.json`: terms and their postings, sharded — Latin words by their first two
///   letters (so prefixes are found while typing), CJK terms by their first character.
/// - `search/d/N.json`: titles, URLs, replies and section excerpts of 200 pages each.
///
/// Ranking is BM25 with field weights (title, synonyms, reply, headings, text), worked out
/// here and stored per posting, so the script only adds numbers.
public enum SearchIndex {
    public static let folder = "search/"
    static let chunkSize = 200
    static let excerptLength = 90
    static let fieldWeights = (title: 4.0, synonyms: 3.0, reply: 2.0, heading: 1.5, text: 1.0)
    static let k1 = 1.2, b = 0.75

    struct DocumentTerms: Sendable {
        /// Term -> (weighted frequency, section where it first stands); CJK terms by code.
        var cjk: [UInt64: (weight: Double, section: Int)] = [:]
        var words: [String: (weight: Double, section: Int)] = [:]
        var length = 0.0
    }

    typealias Posting = (document: Int32, weight: Double, section: Int)

    public static func build(_ documents: [SearchDocument], synonyms: [[String]]) -> [(path: String, bytes: [UInt8])] {
        let tokenizer = Tokenizer(folding: .standard)

        // 2. Weighted term frequencies per page.
        let perDocument = parallelMap(documents) { terms(of: $0, tokenizer: tokenizer) }

        // 3. Postings, then BM25 per posting.
        var cjkPostings: [UInt64: [Posting]] = [:]
        var wordPostings: [String: [Posting]] = [:]
        var totalLength = 0.0
        for (index, document) in perDocument.enumerated() {
            totalLength += document.length
            for (term, value) in document.cjk { cjkPostings[term, default: []].append((Int32(index), value.weight, value.section)) }
            for (term, value) in document.words { wordPostings[term, default: []].append((Int32(index), value.weight, value.section)) }
        }
        let count = Double(max(documents.count, 1))
        let averageLength = max(totalLength / count, 1)
        let lengths = perDocument.map(\.length)
        let boosts = documents.map(\.boost)
        func bm25(_ list: [Posting]) -> [(document: Int32, score: Double, section: Int)] {
            let idf = log1p((count - Double(list.count) + 0.5) / (Double(list.count) + 0.5))
            return list.map { posting in
                let length = lengths[Int(posting.document)]
                let score = idf * posting.weight * (k1 + 1) / (posting.weight + k1 * (1 - b + b * length / averageLength))
                return (posting.document, score * boosts[Int(posting.document)], posting.section)
            }
        }
        var scored: [(term: String, postings: [(document: Int32, score: Double, section: Int)])] = []
        scored.reserveCapacity(cjkPostings.count + wordPostings.count)
        for (code, list) in cjkPostings { scored.append((Tokenizer.string(of: code), bm25(list))) }
        for (word, list) in wordPostings { scored.append((word, bm25(list))) }
        let highest = scored.reduce(0.0) { best, entry in entry.postings.reduce(best) { max($0, $1.score) } }

        // 4. Shards of encoded postings.
        let cjkTerms = cjkPostings.count
        let cjkShards = max(1, min(512, cjkTerms / 400))
        var shards: [String: [(String, String)]] = [:]
        let encoded = parallelMap(scored) { entry in (entry.term, encode(entry.postings, highest: highest)) }
        for (term, postings) in encoded {
            shards[shardKey(term, cjkShards: cjkShards), default: []].append((term, postings))
        }
        let keys = shards.keys.sorted()
        let sharded = keys.map { shards[$0]! }
        var files = parallelMap(Array(keys.indices)) { number -> (path: String, bytes: [UInt8]) in
            var json = JSONBytes()
            json.raw("{")
            for (position, entry) in sharded[number].sorted(by: { $0.0 < $1.0 }).enumerated() {
                if position > 0 { json.raw(",") }
                json.string(entry.0)
                json.raw(":")
                json.string(entry.1)
            }
            json.raw("}")
            return (folder + "t/" + keys[number] + ".json", json.bytes)
        }

        // 5. Page details in chunks, for results and snippets.
        let chunks = parallelMap(Array(stride(from: 0, to: documents.count, by: chunkSize))) { chunk -> (path: String, bytes: [UInt8]) in
            var json = JSONBytes()
            json.raw("[")
            for index in chunk..<min(chunk + chunkSize, documents.count) {
                let document = documents[index]
                if index > chunk { json.raw(",") }
                json.raw("[")
                for (position, field) in [document.title, document.url, document.place, document.reply ?? ""].enumerated() {
                    if position > 0 { json.raw(",") }
                    json.string(field)
                }
                json.raw(",[")
                for (position, section) in document.sections.enumerated() {
                    json.raw(position == 0 ? "[" : ",[")
                    json.string(section.anchor)
                    json.raw(",")
                    json.string(section.heading)
                    json.raw(",")
                    json.string(excerpt(section.text))
                    json.raw("]")
                }
                json.raw("]]")
            }
            json.raw("]")
            return (folder + "d/\(chunk / chunkSize).json", json.bytes)
        }
        files += chunks

        // 6. Folding table and the description of it all.
        files.append((folder + "fold.json", Array(jsonString(tokenizer.folding.pairs).utf8)))
        let synonymJSON = "[" + synonyms.map { "[" + $0.map(jsonString).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        // Changes whenever any file does, so the script never mixes parts of two builds.
        let version = ContentHash.hex(Array(files.map { ContentHash.hex($0.bytes) }.joined().utf8))
        let meta = "{\"version\":\(jsonString(String(version.prefix(12)))),\"documents\":\(documents.count),\"chunk\":\(chunkSize),"
            + "\"cjkShards\":\(cjkShards),\"shards\":[" + keys.map(jsonString).joined(separator: ",") + "],\"synonyms\":\(synonymJSON)}"
        files.append((folder + "meta.json", Array(meta.utf8)))
        return files
    }

    static func terms(of document: SearchDocument, tokenizer: Tokenizer) -> DocumentTerms {
        var terms = DocumentTerms()
        func add(_ text: String, weight: Double, section: Int, unigrams: Bool = false) {
            tokenizer.terms(text, unigrams: unigrams, cjk: { code in
                terms.length += weight
                if let existing = terms.cjk[code] { terms.cjk[code] = (existing.weight + weight, existing.section) } else {
                    terms.cjk[code] = (weight, section)
                }
            }, word: { word in
                terms.length += weight
                if let existing = terms.words[word] { terms.words[word] = (existing.weight + weight, existing.section) } else {
                    terms.words[word] = (weight, section)
                }
            })
        }
        add(document.title, weight: fieldWeights.title, section: 0, unigrams: true)
        for word in document.synonyms { add(word, weight: fieldWeights.synonyms, section: 0) }
        if let reply = document.reply { add(reply, weight: fieldWeights.reply, section: 0) }
        for (index, section) in document.sections.enumerated() {
            add(section.heading, weight: fieldWeights.heading, section: index)
            add(section.text, weight: fieldWeights.text, section: index)
        }
        return terms
    }

    static func isLatinTerm(_ term: String) -> Bool { term.unicodeScalars.first.map { $0.isASCII } ?? true }

    /// Which shard holds a term; the search script computes the same key.
    static func shardKey(_ term: String, cjkShards: Int) -> String {
        let scalars = Array(term.unicodeScalars)
        if isLatinTerm(term) {
            return "w" + String(scalars[0]) + (scalars.count > 1 ? String(scalars[1]) : "_")
        }
        return "c" + String(Int(scalars[0].value) % cjkShards)
    }

    /// 64 characters that need no escaping in JSON or URLs.
    static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_".utf8)

    /// Postings as text: for each page, the gap from the previous page number (five bits per
    /// character, the upper half of the alphabet meaning "more follows"), then the score
    /// (0-63) and the section (0-63), one character each.
    static func encode(_ postings: [(document: Int32, score: Double, section: Int)], highest: Double) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(postings.count * 3)
        var previous: Int32 = 0
        for posting in postings.sorted(by: { $0.document < $1.document }) {
            var gap = Int(posting.document - previous)
            previous = posting.document
            var groups: [Int] = []
            repeat {
                groups.append(gap & 31)
                gap >>= 5
            } while gap > 0
            for (position, group) in groups.reversed().enumerated() {
                out.append(digits[position == groups.count - 1 ? group : group + 32])
            }
            let quantized = max(1, min(63, Int((posting.score / max(highest, 1e-9) * 63).rounded(.up))))
            out.append(digits[quantized])
            out.append(digits[min(posting.section, 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func excerpt(_ text: String) -> String {
        let collapsed = text.prefix(excerptLength * 2).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        return collapsed.count > excerptLength ? String(collapsed.prefix(excerptLength)) + "…" : collapsed
    }

    /// A JSON string literal; `<` is escaped too so no file can close a script tag.
    public static func jsonString(_ text: String) -> String {
        var json = JSONBytes()
        json.string(text)
        return String(decoding: json.bytes, as: UTF8.self)
    }

}

#if canImport(Glibc)
import Glibc
#endif

/// JSON text built as bytes: the index writes tens of megabytes of it.
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A string literal; `<` is escaped too so no file can close a script tag.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case UInt8(ascii: "<"): bytes.append(contentsOf: Array("\\u003c".utf8))
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 15)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
