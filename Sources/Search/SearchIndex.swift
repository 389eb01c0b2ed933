import CPrefetch
import Content
import DeskbookSupport
#if canImport(Glibc)
import Glibc
#endif

/// One page as the search index sees it.
public struct SearchDocument: Sendable {
    public var title: String
    public var url: String
    /// Where the page stands, shown beside a result: `常見問題 › 貸款與付款`.
    public var place: String
    /// An FAQ entry's short reply.
    public var reply: String?
    /// Raises a kind of page in the ranking: FAQ questions above long pages that merely
    /// mention the words.
    public var boost: Double
    public var terms: PageTerms

    public init(title: String, url: String, place: String, reply: String?, boost: Double, terms: PageTerms) {
        self.title = title
        self.url = url
        self.place = place
        self.reply = reply
        self.boost = boost
        self.terms = terms
    }
}

/// What a search index is made from, hashed in pieces: equal keys, equal files, and the
/// pieces tell the next build which pages' terms and which chunks of details changed.
public struct IndexInputs: Sendable {
    public let documents: [SearchDocument]
    public let synonyms: [[String]]
    /// Each page's encoded terms, hashed.
    let termHashes: [UInt64]
    /// The details of each chunk of pages (`SearchIndex.chunk`), hashed.
    let chunkKeys: [UInt64]
    /// All of it.
    public let key: UInt64

    public init(_ documents: [SearchDocument], synonyms: [[String]]) {
        self.documents = documents
        self.synonyms = synonyms
        termHashes = documents.map(\.terms.hash)
        let chunkSize = SearchIndex.chunkSize
        chunkKeys = parallelMap(Array(stride(from: 0, to: documents.count, by: chunkSize))) { first in
            var hasher = StableHasher()
            for index in first..<min(first + chunkSize, documents.count) {
                hasher.combine(documents[index].title)
                hasher.combine(documents[index].url)
                hasher.combine(documents[index].place)
                hasher.combine(documents[index].reply)
                hasher.combine(Int(documents[index].boost * 1000))
                hasher.combine(documents[index].terms.excerptsHash)
            }
            return hasher.value
        }
        var hasher = StableHasher()
        hasher.combine(synonyms.count)
        for group in synonyms {
            hasher.combine(group.count)
            for word in group { hasher.combine(word) }
        }
        hasher.combine(documents.count)
        for hash in termHashes { hasher.combine(hash) }
        for key in chunkKeys { hasher.combine(key) }
        key = hasher.value
    }
}

/// Writes the search index: small JSON files a query fetches only the parts of.
///
/// - `search/meta.json`: counts, shard layout and the site's synonym groups.
/// - `search/fold.json`: the Traditional/Simplified folding table for queries.
/// - `search/t/KEY.json`: terms and their postings, sharded — Latin words by their first two
///   letters (so prefixes are found while typing), CJK terms by their first character.
/// - `search/d/N.json`: titles, URLs, replies and section excerpts of `chunkSize` pages each.
///
/// Ranking is BM25 with field weights (title, synonyms, reply, headings, text), worked out
/// here and stored per posting, so the script only adds numbers.
public enum SearchIndex {
    public static let folder = "search/"
    static let chunkSize = 25
    /// Of a term on very many pages, only this many best pages keep their own score.
    static let topPostings = 100
    static let k1 = 1.2, b = 0.75

    /// Compact on purpose: a site has millions of postings, a large one tens of millions. `value` is
    /// the term's weighted count on the page until the posting is scored, then its score.
    typealias Posting = (document: Int32, value: Float, section: UInt8)

    /// How many postings (about 12 bytes each) an index is built with at once; a larger site's
    /// is built a part of its terms at a time (see `build`).
    public static let postingsInOneReading = 8_000_000

    public static func build(_ documents: [SearchDocument], synonyms: [[String]],
                             postingsInOneReading: Int = postingsInOneReading) -> [(path: String, bytes: [UInt8])] {
        // Every file is made: nothing is left out without a memory.
        build(IndexInputs(documents, synonyms: synonyms), postingsInOneReading: postingsInOneReading, previous: nil).files
            .map { ($0.path, $0.bytes ?? []) }
    }

    /// An index file: its path inside the index's folder and its bytes, nil for a file that is
    /// as the last build wrote it (see `build`).
    public typealias File = (path: String, bytes: [UInt8]?)

    /// The index, and what the next build needs to make it again from the pages that changed
    /// (nil for a site past `postingsInOneReading`, whose every build reads all its terms).
    /// `previous` is that of the last build, with the terms each page had then: when the pages
    /// are the same ones, in the same order, only the terms of the pages whose terms changed
    /// are gathered and scored again. Either way the files are the same.
    ///
    /// With `leavingOutUnchanged` (the release the new one is made from holds the files of the
    /// build that made `previous`), the shards and chunks an update did not change are not made
    /// again: their bytes are nil.
    public static func build(_ inputs: IndexInputs, postingsInOneReading: Int = postingsInOneReading,
                             previous: consuming IndexMemory.Previous?, leavingOutUnchanged: Bool = false) -> (files: [File], memory: IndexMemory?) {
        let documents = inputs.documents
        let scoring = Scoring(documents)
        let estimatedPostings = documents.reduce(0) { $0 + $1.terms.encodedCount } / 5
        guard estimatedPostings <= postingsInOneReading else {
            let encodedTerms = documents.map(\.terms.encoded)
            let encodedParts = encodedPartByPart(encodedTerms, scoring: scoring)
            let chunks = parallelMap(Array(inputs.chunkKeys.indices)) { number -> (hash: UInt64, bytes: [UInt8]?) in
                let bytes = chunk(documents, number: number)
                return (StableHasher.hash(bytes: bytes), bytes)
            }
            return (files(encodedParts, chunks: chunks, documentCount: documents.count, synonyms: inputs.synonyms), nil)
        }
        var updated: IndexMemory?
        if let previous = consume previous { updated = IndexMemory(updating: previous, inputs: inputs, scoring: scoring) }
        var memory = updated ?? IndexMemory(gathering: documents.map(\.terms.encoded), inputs: inputs, scoring: scoring)
        let files = memory.files(synonyms: inputs.synonyms, leavingOutUnchanged: leavingOutUnchanged && updated != nil)
        return (files, memory)
    }

    /// A site's terms encoded a part at a time, so that memory holds only the parts being
    /// encoded. Scores are quantized against the highest any posting could have, known before
    /// any term is read: the rarity of a term on one page, times what the rest of BM25
    /// approaches (k1 + 1), times the largest boost. Its top scores then use about two thirds
    /// of the scale rather than all of it. The parts of more than a sixteenth of the terms'
    /// bytes (the words' and the largest CJK parts) are gathered leanly: two of them at once
    /// were the 100,000-page build's peak of memory.
    static func encodedPartByPart(_ encodedTerms: [[UInt8]], scoring: Scoring) -> [[(String, [UInt8])]] {
        let highest = scoring.inverseFrequency(1) * (k1 + 1) * (scoring.boosts.max() ?? 1)
        let starts = PartStarts(encodedTerms)
        let totalBytes = starts.partBytes.reduce(0, +)
        return parallelMap(Array(0..<TermParts.count), costs: starts.partBytes) { part -> [(String, [UInt8])] in
            let lists = postings(of: encodedTerms, inPart: part, starts: starts, leanly: starts.partBytes[part] * 16 > totalBytes)
            return lists.postings.indices.map { slot in (lists.terms[slot], scoring.encoded(lists.postings[slot], highest: highest).bytes) }
        }
    }

    /// The index's files from its terms' encoded postings (in groups, let go as they are
    /// sharded) and the pages' details.
    static func files(_ encodedParts: consuming [[(String, [UInt8])]], chunks: [(hash: UInt64, bytes: [UInt8]?)], documentCount: Int,
                      synonyms: [[String]]) -> [File] {
        let cjkShards = cjkShardCount(terms: encodedParts.reduce(0) { $0 + $1.count })
        var grouped: [String: [(String, [UInt8])]] = [:]
        for part in encodedParts.indices {
            for (term, postings) in encodedParts[part] {
                grouped[shardKey(term, cjkShards: cjkShards), default: []].append((term, postings))
            }
            encodedParts[part] = []
        }
        let keys = Array(grouped.keys)
        // Each shard's postings are let go once its file is made: they and the files are the
        // size of the whole index.
        let taken = keys.map { Taken(grouped.removeValue(forKey: $0)!) }
        let shards = parallelMap(Array(keys.indices)) { number -> (key: String, hash: UInt64, bytes: [UInt8]?) in
            let bytes = shardFile(taken[number].take().map { ($0.0, $0.1[...]) })
            return (keys[number], StableHasher.hash(bytes: bytes), bytes)
        }
        return files(shards: shards, chunks: chunks, cjkShards: cjkShards, documentCount: documentCount, synonyms: synonyms)
    }

    /// CJK terms go into this many shards by their first character: more for more terms.
    static func cjkShardCount(terms: Int) -> Int { max(1, min(512, terms / 400)) }

    /// One shard's file: its terms in the order of their UTF-8 bytes (a plain comparison of
    /// memory), each with its encoded postings.
    static func shardFile(_ entries: consuming [(String, ArraySlice<UInt8>)]) -> [UInt8] {
        // Sorted by each term's first eight bytes as a number, then by all its bytes: the
        // standard library compares `String.UTF8View`s a byte at a time through generic code.
        let firstBytes = entries.map { entry in
            var term = entry.0
            return term.withUTF8 { $0.bigEndianWord(from: 0) }
        }
        let order = entries.indices.sorted { left, right in
            if firstBytes[left] != firstBytes[right] { return firstBytes[left] < firstBytes[right] }
            var (leftTerm, rightTerm) = (entries[left].0, entries[right].0)
            return leftTerm.withUTF8 { leftBytes in rightTerm.withUTF8 { rightBytes in
                leftBytes.precedesByBytes(rightBytes) ?? (left < right)
            } }
        }
        var json = JSONBytes()
        json.raw("{")
        for (position, index) in order.enumerated() {
            let entry = entries[index]
            if position > 0 { json.raw(",") }
            json.string(entry.0)
            json.raw(":")
            json.plainString(entry.1)
        }
        json.raw("}")
        return json.bytes
    }

    /// The index's files from its shards and chunks of page details, each with the hash of its
    /// bytes (nil bytes: the last build's file stands), with the folding table and the
    /// description of it all.
    static func files(shards: [(key: String, hash: UInt64, bytes: [UInt8]?)], chunks: [(hash: UInt64, bytes: [UInt8]?)], cjkShards: Int,
                      documentCount: Int, synonyms: [[String]]) -> [File] {
        let shards = shards.sorted { $0.key < $1.key }
        var files: [File] = shards.map { (folder + "t/" + $0.key + ".json", $0.bytes) }
        for (number, chunk) in chunks.enumerated() { files.append((folder + "d/\(number).json", chunk.bytes)) }
        let fold = Array(jsonString(Tokenizer(folding: .standard).folding.pairs).utf8)
        files.append((folder + "fold.json", fold))

        // Changes whenever any file does, so the script never mixes parts of two builds.
        var hasher = StableHasher()
        for shard in shards {
            hasher.combine(shard.key)
            hasher.combine(shard.hash)
        }
        for chunk in chunks { hasher.combine(chunk.hash) }
        fold.withUnsafeBytes { hasher.combine(bytes: $0) }
        let digits = String(hasher.value, radix: 16)
        let version = String(repeating: "0", count: 16 - digits.count) + digits
        let synonymJSON = "[" + synonyms.map { "[" + $0.map(jsonString).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        let meta = "{\"version\":\(jsonString(String(version.prefix(12)))),\"documents\":\(documentCount),\"chunk\":\(chunkSize),"
            + "\"cjkShards\":\(cjkShards),\"shards\":[" + shards.map { jsonString($0.key) }.joined(separator: ",") + "],\"synonyms\":\(synonymJSON)}"
        files.append((folder + "meta.json", Array(meta.utf8)))
        return files
    }

    /// The details of the `number`th `chunkSize` pages, for results and snippets: title, URL,
    /// place, reply and each section's anchor, heading and excerpt.
    static func chunk(_ documents: [SearchDocument], number: Int) -> [UInt8] {
        let first = number * chunkSize
        var json = JSONBytes()
        json.raw("[")
        for index in first..<min(first + chunkSize, documents.count) {
            let document = documents[index]
            if index > first { json.raw(",") }
            json.raw("[")
            for (position, field) in [document.title, document.url, document.place, document.reply ?? ""].enumerated() {
                if position > 0 { json.raw(",") }
                json.string(field)
            }
            json.raw(",[")
            for (position, section) in document.terms.excerpts.enumerated() {
                json.raw(position == 0 ? "[" : ",[")
                json.string(section.anchor)
                json.raw(",")
                json.string(section.heading)
                json.raw(",")
                section.utf8.withUnsafeBufferPointer { json.string(utf8: $0) }
                json.raw("]")
            }
            json.raw("]]")
        }
        json.raw("]")
        return json.bytes
    }

    /// Every page's postings of the terms in one part, each list in page order, with the
    /// terms' text (terms are numbered as first seen). Plain loops: this reads every term of
    /// the site, and a closure per posting cost as much as the rest.
    ///
    /// `leanly` reads the part twice: the first time for each posting's term, the second to
    /// put each posting in its place. The postings are then held once, not also in the order
    /// read until they are sorted: 16 bytes a posting at the most rather than 28, for another
    /// reading of the part's bytes. The largest part of a 100,000-page site is twelve million
    /// postings.
    static func postings(of encodedTerms: [[UInt8]], inPart part: Int, starts: PartStarts,
                         leanly: Bool = false) -> (terms: [String], postings: [ArraySlice<Posting>]) {
        // About three bytes of a page's encoded terms a posting.
        var gathered = Gathered(expected: starts.partBytes[part] / 3, keepingPostings: !leanly)
        func lists(_ gathered: consuming Gathered) -> [ArraySlice<Posting>] {
            guard leanly else { return gathered.lists() }
            return gathered.placing { put in forEachPosting(of: encodedTerms, inPart: part, starts: starts, put) }
        }
        var terms: [String] = []
        if part == TermParts.words {
            // Words of up to eight letters (most) are found by their bytes packed in a number,
            // as pages count them; only longer ones by their text.
            var shortSlots = SlotTable()
            var longSlots: [String: Int] = [:]
            for index in encodedTerms.indices {
                starts.prefetch(page: index + PartStarts.pagesAhead, part: part, of: encodedTerms)
                var reader = TermReader(encodedTerms[index], partAt: starts.start(page: index, part: part))
                reader.forEachWordBytes { word, weight, section in
                    let slot: Int
                    if word.count <= 8 {
                        slot = shortSlots.slot(of: TermParts.packed(word: word), next: terms.count)
                    } else {
                        let text = String(decoding: word, as: UTF8.self)
                        slot = longSlots[text] ?? terms.count
                        if slot == terms.count { longSlots[text] = slot }
                    }
                    if slot == terms.count { terms.append(String(decoding: word, as: UTF8.self)) }
                    gathered.add((Int32(index), weight, section), slot: slot)
                }
            }
            return (terms, lists(gathered))
        }
        var slots = SlotTable()
        for index in encodedTerms.indices {
            starts.prefetch(page: index + PartStarts.pagesAhead, part: part, of: encodedTerms)
            var reader = TermReader(encodedTerms[index], partAt: starts.start(page: index, part: part))
            var block = reader.block()
            while let term = reader.next(in: &block) {
                let slot = slots.slot(of: term.code, next: terms.count)
                if slot == terms.count { terms.append(Tokenizer.string(of: term.code)) }
                gathered.add((Int32(index), term.weight, term.section), slot: slot)
            }
        }
        return (terms, lists(gathered))
    }

    /// Every posting of the terms in one part, in the order `postings(of:inPart:starts:)` reads
    /// them, without finding their terms.
    @inline(__always)
    private static func forEachPosting(of encodedTerms: [[UInt8]], inPart part: Int, starts: PartStarts, _ body: (Posting) -> Void) {
        for index in encodedTerms.indices {
            starts.prefetch(page: index + PartStarts.pagesAhead, part: part, of: encodedTerms)
            var reader = TermReader(encodedTerms[index], partAt: starts.start(page: index, part: part))
            if part == TermParts.words {
                reader.forEachWordPosting { weight, section in body((Int32(index), weight, section)) }
                continue
            }
            var block = reader.block()
            while let term = reader.next(in: &block) { body((Int32(index), term.weight, term.section)) }
        }
    }

    /// Postings as they are read, page after page, each with its term's slot; put in order of
    /// their slots at the end, in one array of which each term's list is a slice. (Appending to
    /// each term's own array as its postings were read grew tens of thousands of arrays step
    /// by step, and checked two arrays' uniqueness at every posting: most of gathering's time.)
    /// Kept in memory of its own rather than arrays, which check their uniqueness and capacity
    /// at every change: this sees every posting of the site.
    struct Gathered: ~Copyable {
        private var slots: UnsafeMutablePointer<Int32>
        /// Without `keepingPostings`, none: only each posting's slot is kept, and
        /// `placing(_:)` puts the postings, read again, in their places.
        private var postings: UnsafeMutablePointer<Posting>?
        private var counts: UnsafeMutablePointer<Int32>
        private var added = 0, capacity: Int
        private var slotCount = 0, slotCapacity = 1024

        init(expected: Int, keepingPostings: Bool = true) {
            capacity = max(expected, 16)
            slots = .allocate(capacity: capacity)
            postings = keepingPostings ? .allocate(capacity: capacity) : nil
            counts = .allocate(capacity: slotCapacity)
        }

        deinit {
            slots.deallocate()
            postings?.deallocate()
            counts.deallocate()
        }

        /// A posting of the term in `slot`: a slot one past the last is a new term's.
        @inline(__always)
        mutating func add(_ posting: Posting, slot: Int) {
            if slot == slotCount {
                if slotCount == slotCapacity { growCounts() }
                (counts + slotCount).initialize(to: 0)
                slotCount += 1
            }
            counts[slot] &+= 1
            if added == capacity { growPostings() }
            (slots + added).initialize(to: Int32(truncatingIfNeeded: slot))
            postings.map { ($0 + added).initialize(to: posting) }
            added += 1
        }

        private mutating func growCounts() {
            counts = Self.moved(counts, count: slotCount, capacity: slotCapacity * 2)
            slotCapacity *= 2
        }

        private mutating func growPostings() {
            slots = Self.moved(slots, count: added, capacity: capacity * 2)
            postings = postings.map { Self.moved($0, count: added, capacity: capacity * 2) }
            capacity *= 2
        }

        /// The first `count` items of `memory` moved to new memory with room for `capacity`;
        /// `memory` is freed.
        private static func moved<Item>(_ memory: UnsafeMutablePointer<Item>, count: Int, capacity: Int) -> UnsafeMutablePointer<Item> {
            let grown = UnsafeMutablePointer<Item>.allocate(capacity: capacity)
            grown.moveInitialize(from: memory, count: count)
            memory.deallocate()
            return grown
        }

        /// Each slot's postings, from `readAgain`, which hands them again in the order they were
        /// added: each is written straight into its place (a counting sort).
        @inline(__always)
        consuming func placing(_ readAgain: (_ put: (Posting) -> Void) -> Void) -> [ArraySlice<Posting>] {
            // Where each slot's postings go next in one array of them all, in slot order.
            var next = [Int](repeating: 0, count: slotCount)
            var total = 0
            for slot in 0..<slotCount {
                next[slot] = total
                total += Int(counts[slot])
            }
            let (slots, added) = (self.slots, self.added)
            let sorted = [Posting](unsafeUninitializedCapacity: added) { buffer, initialized in
                var placed = 0
                next.withUnsafeMutableBufferPointer { next in
                    readAgain { posting in
                        guard placed < added else { return }
                        let slot = Int(slots[placed])
                        (buffer.baseAddress! + next[slot]).initialize(to: posting)
                        next[slot] += 1
                        placed += 1
                    }
                }
                // The same bytes read the same way twice give the same postings.
                precondition(placed == added, "\(placed) postings read again of \(added)")
                initialized = placed
            }
            var start = 0
            return (0..<slotCount).map { slot in
                defer { start += Int(counts[slot]) }
                return sorted[start..<start + Int(counts[slot])]
            }
        }

        /// Each slot's postings in the order added: sorted by slot in one pass (a counting sort).
        consuming func lists() -> [ArraySlice<Posting>] {
            guard let postings else { preconditionFailure("lists() of postings gathered without keeping them") }
            let added = self.added
            return placing { put in for index in 0..<added { put(postings[index]) } }
        }
    }

    /// Where each page's encoded terms start each part (`TermParts`), found once for all the
    /// parts: gathering a part then reads only that part's bytes of each page. Skipping the
    /// parts before it instead read a cache line of every page for each of them, which was most
    /// of gathering's time once the pages' terms outgrew the processor's caches.
    struct PartStarts: Sendable {
        private let starts: [UInt32]
        /// Each part's bytes over all pages: how long gathering it takes, near enough.
        let partBytes: [Int]

        init(_ encodedTerms: [[UInt8]]) {
            let pagesAtOnce = 512
            let groups = parallelMap(Array(stride(from: 0, to: encodedTerms.count, by: pagesAtOnce))) { first in
                let pages = first..<min(first + pagesAtOnce, encodedTerms.count)
                return [UInt32](unsafeUninitializedCapacity: pages.count * TermParts.count) { starts, initialized in
                    for page in pages {
                        let offset = (page - first) * TermParts.count
                        TermReader.partStarts(of: encodedTerms[page],
                                              into: UnsafeMutableBufferPointer(rebasing: starts[offset..<offset + TermParts.count]))
                    }
                    initialized = pages.count * TermParts.count
                }
            }
            starts = Array(groups.joined())
            var partBytes = [Int](repeating: 0, count: TermParts.count)
            for page in encodedTerms.indices {
                let first = page * TermParts.count
                for part in 0..<TermParts.count {
                    let end = part + 1 < TermParts.count ? starts[first + part + 1] : UInt32(truncatingIfNeeded: encodedTerms[page].count)
                    partBytes[part] += Int(end &- starts[first + part])
                }
            }
            self.partBytes = partBytes
        }

        func start(page: Int, part: Int) -> Int { Int(starts[page * TermParts.count + part]) }

        /// How many pages ahead of the one it reads gathering asks for a page's bytes.
        static let pagesAhead = 8

        /// Asks for `page`'s bytes of `part` to be brought into the processor's caches, so
        /// that gathering, a few pages on, does not wait for memory at every page: the pages'
        /// terms are far larger than the caches, and each part is read a page at a time.
        /// (A `[UInt8]` is one reference to its storage, where the count sits 16 bytes in and
        /// the bytes start at 32. The address is read without copying the array, which would
        /// change its reference count and so wait for the memory itself. A prefetch is only a
        /// hint: were the layout other, the speed would change, never what is read.)
        @inline(__always)
        func prefetch(page: Int, part: Int, of encodedTerms: [[UInt8]]) {
            guard page < encodedTerms.count else { return }
            encodedTerms.withUnsafeBufferPointer { pages in
                let storage = UnsafeRawPointer(pages.baseAddress.unsafelyUnwrapped + page).load(as: UnsafeRawPointer.self)
                deskbook_prefetch(storage + 16)
                deskbook_prefetch(storage + 32 + start(page: page, part: part))
            }
        }
    }

    static func isLatinTerm(_ term: String) -> Bool { term.unicodeScalars.first.map { $0.isASCII } ?? true }

    /// Which shard holds a term; the search script computes the same key.
    static func shardKey(_ term: String, cjkShards: Int) -> String {
        var scalars = term.unicodeScalars.makeIterator()
        let first = scalars.next() ?? "_"
        if first.isASCII { return "w" + String(first) + String(scalars.next() ?? "_") }
        return "c" + String(Int(first.value) % cjkShards)
    }

    /// 64 characters that need no escaping in JSON or URLs.
    static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_".utf8)

    /// A term's postings encoded (`encoded`), with what lets a later build put one page's new
    /// score into a long list without the others (`IndexMemory`): the sum of the scores, and
    /// the score the best pages pass (nil for a list written out whole).
    struct EncodedPostings: Sendable {
        var bytes: [UInt8]
        var total: Int64
        var cut: Double?
    }

    /// A score in the fixed point its list's sum is kept in: a sum of integers is the same
    /// whichever order pages come and go in.
    ///
    /// Rounded half away from zero, as `rounded()` does, without its call into the C library
    /// (once per posting). Exact: a `Float` times 65,536 has 24 significant bits, so adding
    /// a half loses nothing a truncation would see.
    static func fixedPoint(_ score: Float) -> Int64 {
        let scaled = Double(score) * 65_536
        return scaled >= 0 ? Int64(scaled + 0.5) : -Int64(-scaled + 0.5)
    }

    static func quantized(_ score: Double, highest: Double) -> Int { max(1, min(63, Int((score / max(highest, 1e-9) * 63).rounded(.up)))) }

    /// The last character of a long list: the score of the pages outside its best ones.
    static func averageCharacter(total: Int64, count: Int, highest: Double) -> UInt8 {
        digits[quantized(Double(total) / 65_536 / Double(count), highest: highest)]
    }

    /// Postings as text: for each page, the gap from the previous page number (five bits per
    /// character, the upper half of the alphabet meaning "more follows"), then the score
    /// (0-63) and the section (0-63), one character each.
    ///
    /// A term on very many pages is written shorter when that is smaller: `!`, the best
    /// `topPostings` pages as above, `|`, a bitmap of every page that has the term (six pages
    /// per character), `|`, and one score for all the others.
    static func encoded(_ postings: ArraySlice<Posting>, highest: Double, documentCount: Int) -> EncodedPostings {
        func quantized(_ score: Double) -> Int { Self.quantized(score, highest: highest) }
        // Postings arrive in page order: pages are read in order when they are gathered.
        let bitmapLength = (documentCount + 5) / 6
        let total = postings.reduce(Int64(0)) { $0 + fixedPoint($1.value) }
        // About three characters a posting: a long list is cheaper as best pages plus a bitmap.
        guard postings.count > topPostings, postings.count * 3 > bitmapLength + topPostings * 4 else {
            return EncodedPostings(bytes: encodeList(postings, quantized: quantized), total: total, cut: nil)
        }
        let cut = nthLargest(of: postings, topPostings)
        var best = postings.filter { Double($0.value) > cut }
        if best.count < topPostings { best += postings.filter { Double($0.value) == cut }.prefix(topPostings - best.count) }
        best.sort { $0.document < $1.document }
        var out: [UInt8] = [UInt8(ascii: "!")]
        out += encodeList(best[...], quantized: quantized)
        out.append(UInt8(ascii: "|"))
        var bits = [UInt8](repeating: 0, count: bitmapLength)
        for posting in postings { bits[Int(posting.document) / 6] |= 1 << (Int(posting.document) % 6) }
        out += bits.map { digits[Int($0)] }
        out.append(UInt8(ascii: "|"))
        out.append(averageCharacter(total: total, count: postings.count, highest: highest))
        return EncodedPostings(bytes: out, total: total, cut: cut)
    }

    /// The `n`th largest of the postings' values (as many as there are, counted once each):
    /// the least of the `n` largest, kept in a min-heap as the postings pass. Once it holds
    /// large values, most postings are below its least and cost one comparison; a quickselect
    /// over a copy of the values compared and moved each several times.
    static func nthLargest(of postings: ArraySlice<Posting>, _ n: Int) -> Double {
        precondition(n > 0 && n <= postings.count, "asked for the \(n)th largest of \(postings.count) values")
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { heap in
            var count = 0
            for posting in postings {
                let value = posting.value
                if count < n {
                    // Added at the bottom and moved up past larger parents.
                    var position = count
                    count += 1
                    while position > 0 {
                        let parent = (position - 1) / 2
                        guard heap[parent] > value else { break }
                        heap[position] = heap[parent]
                        position = parent
                    }
                    heap[position] = value
                    continue
                }
                guard value > heap[0] else { continue }
                // Replaces the least and moves down past smaller children.
                var position = 0
                while true {
                    var child = 2 * position + 1
                    if child >= n { break }
                    if child + 1 < n && heap[child + 1] < heap[child] { child += 1 }
                    guard heap[child] < value else { break }
                    heap[position] = heap[child]
                    position = child
                }
                heap[position] = value
            }
            return Double(heap[0])
        }
    }

    /// Postings in the text `encoded` writes for a list. Written into scratch memory sized for
    /// the longest a posting can take, nine characters, without a check per character, then
    /// copied out at its length: this writes every posting of the site, and the lists are kept
    /// until the index is written.
    static func encodeList(_ postings: ArraySlice<Posting>, quantized: (Double) -> Int) -> [UInt8] {
        Self.digits.withUnsafeBufferPointer { digits in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: postings.count * 9 + 1) { out in
                var count = 0
                var previous: Int32 = 0
                for posting in postings {
                    let gap = Int(posting.document - previous)
                    previous = posting.document
                    // Five bits a character, the most significant first; all but the last marked "more".
                    var shift = 0
                    while gap >> (shift + 5) > 0 { shift += 5 }
                    while shift > 0 {
                        out[count] = digits[((gap >> shift) & 31) + 32]
                        count += 1
                        shift -= 5
                    }
                    out[count] = digits[gap & 31]
                    out[count + 1] = digits[quantized(Double(posting.value))]
                    out[count + 2] = digits[Int(min(posting.section, 63))]
                    count += 3
                }
                return Array(UnsafeBufferPointer(rebasing: out[..<count]))
            }
        }
    }

    /// A JSON string literal; `<` is escaped too so no file can close a script tag.
    public static func jsonString(_ text: String) -> String {
        var json = JSONBytes()
        json.string(text)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// JSON text built as bytes: the index writes tens of megabytes of it.
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) { bytes.append(markup: text) }

    /// A string literal of bytes that need no escaping (encoded postings: letters, digits,
    /// `-`, `_`, `!` and `|`).
    mutating func plainString(_ text: ArraySlice<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: text)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A string literal; `<` is escaped too so no file can close a script tag.
    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(utf8: $0) }
    }

    /// The same, of UTF-8 bytes. Runs of bytes that need no escape (nearly all) are copied
    /// whole.
    mutating func string(utf8 text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for (position, byte) in text.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
            || byte == UInt8(ascii: "<") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<position]))
            runStart = position + 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case UInt8(ascii: "<"): bytes.append(contentsOf: "\\u003c".utf8)
            default:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 15)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
