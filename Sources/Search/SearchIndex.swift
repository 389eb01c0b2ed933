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
        /// Term -> (weighted frequency, section where it first stands).
        var terms: [String: (weight: Double, section: Int)]
        var length: Double
    }

    public static func build(_ documents: [SearchDocument], synonyms: [[String]]) -> [(path: String, bytes: [UInt8])] {
        // 1. Folding table from every CJK character of the site.
        let characterSets = parallelMap(documents) { document -> Set<Unicode.Scalar> in
            var found = Set<Unicode.Scalar>()
            func scan(_ text: String) { for scalar in text.unicodeScalars where Tokenizer.isCJK(scalar) { found.insert(scalar) } }
            scan(document.title)
            document.synonyms.forEach(scan)
            if let reply = document.reply { scan(reply) }
            for section in document.sections { scan(section.heading); scan(section.text) }
            return found
        }
        var characters = Set<Unicode.Scalar>()
        for set in characterSets { characters.formUnion(set) }
        for group in synonyms { for word in group { characters.formUnion(word.unicodeScalars.filter(Tokenizer.isCJK)) } }
        let folding = ScriptFolding.forCharacters(characters)
        let tokenizer = Tokenizer(folding: folding)

        // 2. Weighted term frequencies per page.
        let perDocument = parallelMap(documents) { terms(of: $0, tokenizer: tokenizer) }

        // 3. Postings and BM25.
        var postings: [String: [(document: Int32, weight: Double, section: Int)]] = [:]
        var totalLength = 0.0
        for (index, document) in perDocument.enumerated() {
            totalLength += document.length
            for (term, value) in document.terms {
                postings[term, default: []].append((Int32(index), value.weight, value.section))
            }
        }
        let count = Double(max(documents.count, 1))
        let averageLength = max(totalLength / count, 1)
        var scored: [String: [(document: Int32, score: Double, section: Int)]] = [:]
        var highest = 0.0
        for (term, list) in postings {
            let idf = log1p((count - Double(list.count) + 0.5) / (Double(list.count) + 0.5))
            scored[term] = list.map { posting in
                let length = perDocument[Int(posting.document)].length
                let score = idf * posting.weight * (k1 + 1) / (posting.weight + k1 * (1 - b + b * length / averageLength))
                    * documents[Int(posting.document)].boost
                highest = max(highest, score)
                return (posting.document, score, posting.section)
            }
        }

        // 4. Shards of encoded postings.
        let cjkTerms = scored.keys.filter { !isLatinTerm($0) }.count
        let cjkShards = max(1, min(512, cjkTerms / 400))
        var shards: [String: [(String, String)]] = [:]
        for (term, list) in scored {
            shards[shardKey(term, cjkShards: cjkShards), default: []].append((term, encode(list, highest: highest)))
        }
        var files: [(path: String, bytes: [UInt8])] = []
        var keys: [String] = []
        for (key, entries) in shards.sorted(by: { $0.key < $1.key }) {
            keys.append(key)
            var json = "{"
            for (position, entry) in entries.sorted(by: { $0.0 < $1.0 }).enumerated() {
                json += (position == 0 ? "" : ",") + jsonString(entry.0) + ":" + jsonString(entry.1)
            }
            files.append((folder + "t/" + key + ".json", Array((json + "}").utf8)))
        }

        // 5. Page details in chunks, for results and snippets.
        for chunk in stride(from: 0, to: documents.count, by: chunkSize) {
            var json = "["
            for index in chunk..<min(chunk + chunkSize, documents.count) {
                let document = documents[index]
                let sections = document.sections.map { section in
                    "[" + jsonString(section.anchor) + "," + jsonString(section.heading) + "," + jsonString(excerpt(section.text)) + "]"
                }.joined(separator: ",")
                json += (index == chunk ? "" : ",") + "[" + [jsonString(document.title), jsonString(document.url), jsonString(document.place),
                                                            jsonString(document.reply ?? "")].joined(separator: ",") + ",[" + sections + "]]"
            }
            files.append((folder + "d/\(chunk / chunkSize).json", Array((json + "]").utf8)))
        }

        // 6. Folding table and the description of it all.
        var fold = "{"
        for (position, pair) in folding.table.sorted(by: { $0.key.value < $1.key.value }).enumerated() {
            fold += (position == 0 ? "" : ",") + jsonString(String(pair.key)) + ":" + jsonString(String(pair.value))
        }
        files.append((folder + "fold.json", Array((fold + "}").utf8)))
        let synonymJSON = "[" + synonyms.map { "[" + $0.map(jsonString).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        // Changes whenever any file does, so the script never mixes parts of two builds.
        let version = ContentHash.hex(Array(files.map { ContentHash.hex($0.bytes) }.joined().utf8))
        let meta = "{\"version\":\(jsonString(String(version.prefix(12)))),\"documents\":\(documents.count),\"chunk\":\(chunkSize),"
            + "\"cjkShards\":\(cjkShards),\"shards\":[" + keys.map(jsonString).joined(separator: ",") + "],\"synonyms\":\(synonymJSON)}"
        files.append((folder + "meta.json", Array(meta.utf8)))
        return files
    }

    static func terms(of document: SearchDocument, tokenizer: Tokenizer) -> DocumentTerms {
        var terms: [String: (weight: Double, section: Int)] = [:]
        var length = 0.0
        func add(_ text: String, weight: Double, section: Int, unigrams: Bool = false) {
            tokenizer.terms(text, unigrams: unigrams) { term in
                length += weight
                if let existing = terms[term] {
                    terms[term] = (existing.weight + weight, existing.section)
                } else {
                    terms[term] = (weight, section)
                }
            }
        }
        add(document.title, weight: fieldWeights.title, section: 0, unigrams: true)
        for word in document.synonyms { add(word, weight: fieldWeights.synonyms, section: 0) }
        if let reply = document.reply { add(reply, weight: fieldWeights.reply, section: 0) }
        for (index, section) in document.sections.enumerated() {
            add(section.heading, weight: fieldWeights.heading, section: index)
            add(section.text, weight: fieldWeights.text, section: index)
        }
        return DocumentTerms(terms: terms, length: length)
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
        let collapsed = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        return collapsed.count > excerptLength ? String(collapsed.prefix(excerptLength)) + "…" : collapsed
    }

    /// A JSON string literal; `<` is escaped too so no file can close a script tag.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

#if canImport(Glibc)
import Glibc
#endif
