import DeskbookSupport

/// What a search index keeps for the next build: every term's postings with their weights, and
/// what each was encoded to. When the next build has the same pages in the same order, only
/// the terms of pages whose terms changed are scored and encoded again, and nothing reads the
/// terms of the pages that did not change: editing one page of ten thousand costs the terms
/// of that page, not the site's.
///
/// A term's encoding depends on its postings, the lengths and boosts of their pages, the
/// number of pages, the average length (`Scoring.averageLength`) and the highest score of all
/// (`Scoring.scale(highest:)`), both rounded so that an edit rarely moves them: a page that
/// holds the highest score would otherwise move it at every edit that changes its length.
/// When either of the last two moves, every
/// term is encoded again from the memory, which still reads no page's terms. When one page
/// changed, the words it had and has are not scored again: its posting is put into their
/// lists in place (`splice`). Only the shards that hold a term whose encoding changed are
/// written again (`files`). The files are the same as a build from nothing would write.
public struct IndexMemory: Sendable {
    /// The last build's memory and each page's terms as they were then (nil where unknown).
    public struct Previous: Sendable {
        public var memory: IndexMemory
        public var terms: [PageTerms?]

        public init(memory: IndexMemory, terms: [PageTerms?]) {
            self.memory = memory
            self.terms = terms
        }
    }

    /// Each page's URL and boost, hashed: the memory serves only the same pages in the same order.
    private var pages: [UInt64]
    /// Each page's encoded terms, hashed: which pages changed.
    private var pageTerms: [UInt64]
    private var averageLength: Double
    private var highest: Double
    private var terms: TermTexts
    /// Where the postings, encoded postings and chunks of a memory read from the build cache
    /// are (`Blob.stored`) until they change: a rebuild reads those of the terms and chunks it
    /// changes, not the tens of megabytes of all of them.
    private var store: RecordStore?
    /// Each term's postings (`packed`); empty for a term no page has any longer.
    private var postings: [Blob]
    /// Each term's highest score (`Scoring.highest(of:)`), and the page that gives it with its weight there.
    private var highests: [Float]
    private var bests: [Int32]
    private var bestWeights: [Float]
    private var encoded: [Blob]
    /// Of each term's encoded postings (`SearchIndex.EncodedPostings`): how many, their scores'
    /// sum and the score its best pages pass (nan for a list written out whole). With them, one
    /// page's new weight for a term it had is put into a long list without scoring the others.
    private var counts: [Int32]
    private var totals: [Int64]
    private var cuts: [Double]
    /// The pages' details (`SearchIndex.chunk`) and their keys (`IndexInputs.chunkKeys`).
    private var chunks: [Blob]
    private var chunkKeys: [UInt64]
    /// Each chunk's bytes hashed, for the index's version; nil until its file is made.
    private var chunkHashes: [UInt64?]
    /// Each term's shard (`SearchIndex.shardKey`), by its number in `shardNames`.
    private var shardOfSlot: [Int32] = []
    private var shardNames: [String] = []
    /// Each shard's file hashed, for the index's version; nil until it is made.
    private var shardHashes: [UInt64?] = []
    private var cjkShards = 0
    /// What the last update changed (terms by slot, chunks by number), so that only the files
    /// that hold them are made again; nil for everything. Not kept in the build cache.
    private var changedSlots: [Int]?
    private var changedChunks: [Int]?
    /// How many terms the last update put one page's new posting into in place (`splice`).
    private(set) var splicedTerms = 0
    /// How many terms the update encoded again (for tests: all of them when the scale moved),
    /// of `termCount`.
    private(set) var encodedTerms = 0
    var termCount: Int { postings.count }
    /// The terms by a hash of their bytes, for an update: made as a memory is read from the
    /// build cache (at the start of a build, beside the loading of pages), not while the
    /// update holds up the build. Nil where two terms share a hash (or one hashes to zero,
    /// which the table cannot hold): such a memory is not updated. Not kept in the build cache.
    private var termSlots: SlotTable?
    /// What changed since the memory was read from the build cache: a rebuild saves only that
    /// (`encodeChanges`), after the records it read, rather than the whole memory again. Nil for
    /// a memory made from every page's terms, or once every term may have changed (a new
    /// scale, new shards, every term's bytes read): it is saved whole (`encode`).
    private var unsaved: Unsaved?

    /// The terms (by slot), pages and chunks (by number) changed since the memory was read,
    /// and how many terms it had then.
    struct Unsaved: Sendable {
        var termCount: Int
        var slots = Set<Int>()
        var pages = Set<Int>()
        var chunks = Set<Int>()
    }

    /// Whether the memory can be saved as its changes since it was read (`encodeChanges`).
    public var savesAsChanges: Bool { unsaved != nil }

    /// Bytes held in memory, or a record of the memory's store with its hash, read when
    /// needed (`bytes`).
    enum Blob: Sendable {
        case held(ArraySlice<UInt8>)
        case stored(Range<Int>, hash: UInt64)

        var isEmpty: Bool {
            switch self {
            case .held(let bytes): bytes.isEmpty
            case .stored(let range, _): range.isEmpty
            }
        }
    }

    /// The bytes of `blob`; empty where the store cannot give them as they were saved (it is
    /// then marked damaged, and the build does not publish).
    private func bytes(_ blob: Blob) -> ArraySlice<UInt8> {
        switch blob {
        case .held(let bytes): return bytes
        case .stored(let range, let hash):
            guard let store, let bytes = store.bytes(range) else { return [] }
            guard StableHasher.hash(bytes: bytes) == hash else {
                store.markDamaged("the search memory's record at \(range.lowerBound) is not the one saved there")
                return []
            }
            return bytes[...]
        }
    }

    /// Reads the whole store once, for an update that needs every term's bytes.
    private mutating func holdAll() {
        unsaved = nil
        guard let store else { return }
        let whole = store.whole() ?? []
        func held(_ blob: Blob) -> Blob {
            guard case .stored(let range, let hash) = blob else { return blob }
            guard range.upperBound <= min(whole.count, store.end), StableHasher.hash(bytes: whole[range]) == hash else {
                store.markDamaged("the search memory's record at \(range.lowerBound) is not the one saved there")
                return .held([])
            }
            return .held(whole[range])
        }
        postings = postings.map(held)
        encoded = encoded.map(held)
        chunks = chunks.map(held)
        self.store = nil
    }

    /// More changed pages than this share of all, and gathering every page's terms is cheaper.
    static let mostChangedPages = 0.05

    /// Every page's terms, gathered a part of the terms at a time on every core.
    init(gathering encodedTerms: [[UInt8]], inputs: IndexInputs, scoring: Scoring) {
        let documents = inputs.documents
        let parts = Array(0..<TermParts.count)
        let starts = SearchIndex.PartStarts(encodedTerms)
        let gathered = parallelMap(parts, costs: starts.partBytes) { part -> (highests: [Scoring.Highest], lists: Taken<(terms: [String], postings: [ArraySlice<SearchIndex.Posting>])>) in
            let lists = SearchIndex.postings(of: encodedTerms, inPart: part, starts: starts)
            return (lists.postings.map(scoring.highest(of:)), Taken(lists))
        }
        let highest = Scoring.scale(highest: Double(gathered.lazy.flatMap(\.highests).map(\.score).max() ?? 0))
        let packedParts = parallelMap(parts, costs: starts.partBytes) { part -> (terms: [String], postings: [[UInt8]], encoded: [SearchIndex.EncodedPostings], counts: [Int32]) in
            // The part's postings are let go of once it is packed.
            let lists = gathered[part].lists.take()
            var packed: [[UInt8]] = []
            var encoded: [SearchIndex.EncodedPostings] = []
            var counts: [Int32] = []
            for list in lists.postings {
                packed.append(Self.packed(list))
                encoded.append(scoring.encoded(list, highest: highest))
                counts.append(Int32(list.count))
            }
            return (lists.terms, packed, encoded, counts)
        }
        pages = documents.indices.map { Self.identity(url: documents[$0].url, boost: documents[$0].boost) }
        pageTerms = inputs.termHashes
        chunkKeys = inputs.chunkKeys
        chunks = parallelMap(Array(chunkKeys.indices)) { .held(SearchIndex.chunk(documents, number: $0)[...]) }
        chunkHashes = chunks.map { _ in nil }
        averageLength = scoring.averageLength
        self.highest = highest
        terms = TermTexts(packedParts.flatMap(\.terms))
        postings = packedParts.flatMap { $0.postings.map { .held($0[...]) } }
        highests = gathered.flatMap { $0.highests.map(\.score) }
        bests = gathered.flatMap { $0.highests.map(\.document) }
        bestWeights = gathered.flatMap { $0.highests.map(\.weight) }
        encoded = packedParts.flatMap { $0.encoded.map { .held($0.bytes[...]) } }
        counts = packedParts.flatMap(\.counts)
        totals = packedParts.flatMap { $0.encoded.map(\.total) }
        cuts = packedParts.flatMap { $0.encoded.map { $0.cut ?? .nan } }
        placeInShards()
    }

    /// The last build's memory with the terms of the pages that changed gathered again; nil
    /// when the pages are not the same ones, or too many changed, or the memory does not match
    /// the terms it was made from.
    init?(updating previous: consuming Previous, inputs: IndexInputs, scoring: Scoring) {
        // The memory's arrays are changed in place: `previous` gives up its reference.
        let previousTerms = previous.terms
        self = (consume previous).memory
        let documents = inputs.documents
        guard pages.count == documents.count, previousTerms.count == documents.count,
              documents.indices.allSatisfy({ pages[$0] == Self.identity(url: documents[$0].url, boost: documents[$0].boost) }) else { return nil }
        let newPageTerms = inputs.termHashes
        let changed = documents.indices.filter { newPageTerms[$0] != pageTerms[$0] }
        guard Double(changed.count) <= Double(documents.count) * Self.mostChangedPages else { return nil }

        // The terms the changed pages had and have; their new postings.
        // By a hash of their bytes (two texts Swift holds equal, canonically equivalent, are two
        // terms), each find checked against the term's bytes: two terms of one hash are left
        // to a build from every page's terms.
        guard var slots = termSlots ?? Self.termSlots(terms) else { return nil }
        termSlots = nil
        var collided = false
        func slot(of term: String) -> Int? {
            guard let slot = slots.existingSlot(of: StableHasher.hash(term)) else { return nil }
            if terms.holds(term, at: slot) { return slot }
            collided = true
            return nil
        }
        var dirty = Set<Int>()
        var added: [Int: [SearchIndex.Posting]] = [:]
        // The slots of the terms the changed pages had.
        var had = Set<Int>()
        for page in changed {
            guard let old = previousTerms[page]?.encoded, StableHasher.hash(bytes: old) == pageTerms[page] else { return nil }
            var missing = false
            Self.forEachTerm(of: old) { term, _, _ in
                if let slot = slot(of: term) {
                    dirty.insert(slot)
                    had.insert(slot)
                } else {
                    missing = true
                }
            }
            if missing { return nil }
            Self.forEachTerm(of: documents[page].terms.encoded) { term, weight, section in
                let slot = slot(of: term) ?? terms.count
                if slot == terms.count {
                    let hash = StableHasher.hash(term)
                    if hash == 0 || slots.slot(of: hash, next: slot) != slot { collided = true }
                    terms.append(term)
                    postings.append(.held([]))
                    highests.append(0)
                    bests.append(0)
                    bestWeights.append(0)
                    encoded.append(.held([]))
                    counts.append(0)
                    totals.append(0)
                    cuts.append(.nan)
                }
                dirty.insert(slot)
                added[slot, default: []].append((Int32(page), weight, section))
            }
            if collided { return nil }
        }
        let changedPages = changed.map(Int32.init)
        // One page changed, and its old length is known: in the long lists of the terms it had
        // and has, its posting is put in place (`splice`) while the average length stands.
        var spliced: [Int: Splice] = [:]
        if changed.count == 1, scoring.averageLength == averageLength, let old = previousTerms[changed[0]] {
            let oldLength = old.length
            for slot in dirty where had.contains(slot) && added[slot]?.count == 1 && !cuts[slot].isNaN {
                if let splice = splice(slot, added[slot]![0], oldLength: oldLength, scoring: scoring) { spliced[slot] = splice }
            }
        }
        splicedTerms = spliced.count
        for (slot, splice) in spliced {
            if let packed = splice.packed { postings[slot] = .held(packed[...]) }
            highests[slot] = splice.highest.score
            bests[slot] = splice.highest.document
            bestWeights[slot] = splice.highest.weight
            totals[slot] = splice.total
        }
        // The others are made again from their postings, on every core: the common terms of a
        // page are on most pages.
        let dirtySlots = Array(dirty.subtracting(spliced.keys))
        let remade = { [self, added] in
            // The copy of the memory lives only here: the lists it holds are changed next.
            parallelMap(dirtySlots) { slot -> (packed: [UInt8]?, list: [SearchIndex.Posting]) in
                let old = bytes(postings[slot])
                let list = Self.unpacked(old, replacing: changedPages, with: added[slot] ?? [])
                let packed = Self.packed(list[...])
                // The same bytes as before: the list the memory holds stays (see `Splice`).
                return (packed[...].sameBytes(as: old) ? nil : packed, list)
            }
        }()
        var lists: [Int: [SearchIndex.Posting]] = [:]
        for (slot, made) in zip(dirtySlots, remade) {
            if let packed = made.packed { postings[slot] = .held(packed[...]) }
            lists[slot] = made.list
        }
        pageTerms = newPageTerms

        // A new average length changes every term's highest score; a new highest of all,
        // every term's encoding.
        if scoring.averageLength != averageLength {
            averageLength = scoring.averageLength
            holdAll()
            for slot in postings.indices where lists[slot] == nil { lists[slot] = Self.unpacked(bytes(postings[slot])) }
        }
        let scored = Array(lists)
        for (entry, best) in zip(scored, parallelMap(scored) { $0.value.isEmpty ? nil : scoring.highest(of: $0.value[...]) }) {
            highests[entry.key] = best?.score ?? 0
            bests[entry.key] = best?.document ?? 0
            bestWeights[entry.key] = best?.weight ?? 0
        }
        let newHighest = Scoring.scale(highest: Double(highests.max() ?? 0))
        if newHighest != highest {
            highest = newHighest
            holdAll()
            for slot in postings.indices where lists[slot] == nil { lists[slot] = Self.unpacked(bytes(postings[slot])) }
        }
        let toEncode = Array(lists)
        encodedTerms = toEncode.count
        let highest = highest
        let newEncoded = parallelMap(toEncode) { entry in
            entry.value.isEmpty ? SearchIndex.EncodedPostings(bytes: [], total: 0, cut: nil) : scoring.encoded(entry.value[...], highest: highest)
        }
        // Only the terms whose encoding changed put their shards together again.
        var encodedAnew: [Int] = []
        for (entry, made) in zip(toEncode, newEncoded) {
            // An encoding that came out the same stays as the memory holds it (in the build
            // cache's store, most often, where it need not be stored again).
            if !bytes(encoded[entry.key]).sameBytes(as: made.bytes[...]) {
                encodedAnew.append(entry.key)
                encoded[entry.key] = .held(made.bytes[...])
            }
            counts[entry.key] = Int32(entry.value.count)
            totals[entry.key] = made.total
            cuts[entry.key] = made.cut ?? .nan
        }
        changedSlots = encodedAnew
        // A spliced long list changes in its last character at most: the score of the pages
        // outside its best ones.
        for slot in spliced.keys where lists[slot] == nil {
            let average = SearchIndex.averageCharacter(total: totals[slot], count: Int(counts[slot]), highest: highest)
            var list = Array(bytes(encoded[slot]))
            if let last = list.indices.last, list[last] != average {
                list[last] = average
                encoded[slot] = .held(list[...])
                changedSlots?.append(slot)
            }
        }
        // New terms go into their shards; a new number of CJK shards moves every CJK term.
        if SearchIndex.cjkShardCount(terms: postings.count { !$0.isEmpty }) == cjkShards {
            placeInShards(from: shardOfSlot.count)
        } else {
            placeInShards()
            changedSlots = nil
        }

        let changedChunks = chunkKeys.indices.filter { chunkKeys[$0] != inputs.chunkKeys[$0] }
        for (number, bytes) in zip(changedChunks, parallelMap(changedChunks) { SearchIndex.chunk(documents, number: $0) }) {
            chunks[number] = .held(bytes[...])
        }
        chunkKeys = inputs.chunkKeys
        self.changedChunks = changedChunks
        unsaved?.slots.formUnion(dirty)
        unsaved?.pages.formUnion(changed)
        unsaved?.chunks.formUnion(changedChunks)
    }

    /// `termSlots` of `terms`.
    private static func termSlots(_ terms: TermTexts) -> SlotTable? {
        var slots = SlotTable(expected: terms.count)
        for slot in 0..<terms.count {
            let hash = terms.hash(slot)
            guard hash != 0, slots.slot(of: hash, next: slot) == slot else { return nil }
        }
        return slots
    }

    /// A term's memory with one page's posting given its new weight and section.
    private struct Splice {
        /// Nil when the page's posting is the same bytes as before (its weight did not move):
        /// the list the memory holds stays, and the build cache does not store it again.
        var packed: [UInt8]?
        var highest: Scoring.Highest
        var total: Int64
    }

    /// The term in `slot` with `posting`'s page, which it had before at `oldLength`, weighted
    /// anew, the other pages' postings as they were: the term's rarity and the average length
    /// are the same, so only that page's score moves. Nil when that is not enough: the page
    /// enters or leaves the term's best pages, or was its best page and scores lower now.
    private func splice(_ slot: Int, _ posting: SearchIndex.Posting, oldLength: Double, scoring: Scoring) -> Splice? {
        let cut = cuts[slot]
        // The page's posting in the packed list: gap, weight in halves (varints), section.
        let list = bytes(postings[slot])
        var position = list.startIndex
        var document: Int32 = 0
        var found: (start: Int, end: Int, gap: UInt64, halves: UInt64)?
        while position < list.endIndex {
            let start = position
            guard let next = Self.nextPosting(list, at: &position) else { return nil }
            document += Int32(truncatingIfNeeded: next.gap)
            if document >= posting.document {
                if document == posting.document { found = (start, position, next.gap, next.halves) }
                break
            }
        }
        guard let found else { return nil }
        let idf = scoring.inverseFrequency(Int(counts[slot]))
        let oldWeight = Float(found.halves) / 2
        let oldScore = scoring.score(oldWeight, document: posting.document, idf: idf, length: oldLength)
        let newScore = scoring.score(posting.value, document: posting.document, idf: idf)
        guard Double(oldScore) < cut, Double(newScore) < cut else { return nil }

        // The best page: the first of the highest scores without the rarity.
        var best = (document: bests[slot], weight: bestWeights[slot])
        let newRest = scoring.scoreWithoutRarity(posting.value, document: posting.document)
        if best.document == posting.document {
            guard newRest >= scoring.scoreWithoutRarity(oldWeight, document: posting.document, length: oldLength) else { return nil }
            best.weight = posting.value
        } else {
            let bestRest = scoring.scoreWithoutRarity(best.weight, document: best.document)
            if newRest > bestRest || (newRest == bestRest && posting.document < best.document) { best = (posting.document, posting.value) }
        }
        let highest = Scoring.Highest(score: scoring.score(best.weight, document: best.document, idf: idf),
                                      document: best.document, weight: best.weight)

        let replacement = Self.packed([(Int32(truncatingIfNeeded: found.gap), posting.value, posting.section)][...])
        var packed: [UInt8]?
        if !replacement[...].sameBytes(as: list[found.start..<found.end]) {
            var spliced = Array(list[..<found.start])
            spliced.reserveCapacity(list.count + 8)
            spliced += replacement
            spliced += list[found.end...]
            packed = spliced
        }
        return Splice(packed: packed, highest: highest,
                      total: totals[slot] - SearchIndex.fixedPoint(oldScore) + SearchIndex.fixedPoint(newScore))
    }

    /// Gives the terms from `first` on their shards; from 0, shards are numbered anew.
    private mutating func placeInShards(from first: Int = 0) {
        if first == 0 {
            unsaved = nil
            cjkShards = SearchIndex.cjkShardCount(terms: postings.count { !$0.isEmpty })
            shardOfSlot = []
            shardNames = []
            shardHashes = []
        }
        var numbers = Dictionary(uniqueKeysWithValues: shardNames.enumerated().map { ($1, Int32($0)) })
        for slot in first..<terms.count {
            let key = SearchIndex.shardKey(terms[slot], cjkShards: cjkShards)
            let number = numbers[key] ?? Int32(shardNames.count)
            if number == shardNames.count {
                numbers[key] = number
                shardNames.append(key)
                shardHashes.append(nil)
            }
            shardOfSlot.append(number)
        }
    }

    /// The index's files. With `leavingOutUnchanged`, the shards and chunks of page details
    /// that the last update did not change have nil bytes: the files the memory was last
    /// made with stand. Only the shards that hold a changed term are put together again.
    mutating func files(synonyms: [[String]], leavingOutUnchanged: Bool) -> [SearchIndex.File] {
        let all = !leavingOutUnchanged || changedSlots == nil
        if all { holdAll() }
        var remade = shardHashes.map { all || $0 == nil }
        for slot in changedSlots ?? [] { remade[Int(shardOfSlot[slot])] = true }
        var termsOfShard = [[Int]](repeating: [], count: shardNames.count)
        var held = [Bool](repeating: false, count: shardNames.count)
        for slot in 0..<terms.count where !postings[slot].isEmpty {
            let shard = Int(shardOfSlot[slot])
            held[shard] = true
            if remade[shard] { termsOfShard[shard].append(slot) }
        }
        let toMake = shardNames.indices.filter { remade[$0] && held[$0] }
        let made = { [self, termsOfShard] in
            parallelMap(toMake) { shard in SearchIndex.shardFile(termsOfShard[shard].map { (terms[$0], bytes(encoded[$0])) }) }
        }()
        var madeBytes = [[UInt8]?](repeating: nil, count: shardNames.count)
        for (shard, bytes) in zip(toMake, made) {
            madeBytes[shard] = bytes
            shardHashes[shard] = StableHasher.hash(bytes: bytes)
        }
        var shards: [(key: String, hash: UInt64, bytes: [UInt8]?)] = []
        for shard in shardNames.indices {
            guard held[shard], let hash = shardHashes[shard] else {
                shardHashes[shard] = nil
                continue
            }
            shards.append((shardNames[shard], hash, madeBytes[shard]))
        }

        var chunksRemade = chunkHashes.map { all || $0 == nil }
        for number in changedChunks ?? [] { chunksRemade[number] = true }
        let chunkFiles = chunks.indices.map { number -> (hash: UInt64, bytes: [UInt8]?) in
            guard chunksRemade[number] else { return (chunkHashes[number]!, nil) }
            let bytes = Array(bytes(chunks[number]))
            chunkHashes[number] = StableHasher.hash(bytes: bytes)
            return (chunkHashes[number]!, bytes)
        }
        changedSlots = []
        changedChunks = []
        return SearchIndex.files(shards: shards, chunks: chunkFiles, cjkShards: cjkShards, documentCount: pages.count, synonyms: synonyms)
    }

    /// A page's place in the index: its URL and boost (read from a document by field: a
    /// whole document handed on is copied, every field of it).
    private static func identity(url: String, boost: Double) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(url)
        hasher.combine(Int(boost * 1000))
        return hasher.value
    }

    /// Every term of a page, with its text as the index shows it.
    private static func forEachTerm(of encoded: [UInt8], _ body: (_ term: String, _ weight: Float, _ section: UInt8) -> Void) {
        var reader = SearchIndex.TermReader(encoded)
        reader.forEachCJK { code, weight, section in body(Tokenizer.string(of: code), weight, section) }
        reader.forEachWord(body)
    }

    /// Postings in page order, compact: the gap from the last page, the weight in halves (both
    /// as varints) and the section.
    static func packed(_ list: ArraySlice<SearchIndex.Posting>) -> [UInt8] {
        // At most five bytes for each varint and one for the section, written into scratch
        // memory: every posting of the site is packed when the index is built from nothing.
        // The list is copied out at its length, as the memory keeps it (about a third).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: list.count * 11 + 1) { buffer in
            var position = 0
            func varint(_ value: UInt32) {
                var rest = value
                while rest >= 0x80 {
                    buffer[position] = UInt8(truncatingIfNeeded: rest) | 0x80
                    position += 1
                    rest >>= 7
                }
                buffer[position] = UInt8(rest)
                position += 1
            }
            var previous: Int32 = 0
            for posting in list {
                varint(UInt32(bitPattern: posting.document &- previous))
                varint(UInt32(posting.value * 2))
                buffer[position] = posting.section
                position += 1
                previous = posting.document
            }
            return Array(UnsafeBufferPointer(rebasing: buffer[..<position]))
        }
    }

    /// The posting of a packed list (`packed`) at `position`, an index of `bytes`, which moves
    /// past it: the gap from the last page, the weight in halves and the section. Nil at the end.
    static func nextPosting(_ bytes: ArraySlice<UInt8>, at position: inout Int) -> (gap: UInt64, halves: UInt64, section: UInt8)? {
        guard let gap = ByteReader.varint(bytes, at: &position, end: bytes.endIndex),
              let halves = ByteReader.varint(bytes, at: &position, end: bytes.endIndex), position < bytes.endIndex else { return nil }
        defer { position += 1 }
        return (gap, halves, bytes[position])
    }

    static func unpacked(_ bytes: ArraySlice<UInt8>) -> [SearchIndex.Posting] { unpacked(bytes, replacing: [], with: []) }

    /// Postings with those of `pages` (in page order) left out and `added` (in page order, on
    /// some of those pages) put in their place.
    static func unpacked(_ bytes: ArraySlice<UInt8>, replacing pages: [Int32], with added: [SearchIndex.Posting]) -> [SearchIndex.Posting] {
        var list: [SearchIndex.Posting] = []
        list.reserveCapacity(bytes.count / 3 + added.count)
        var document: Int32 = 0
        var nextPage = 0, nextAdded = 0
        var position = bytes.startIndex
        while let (gap, halves, section) = Self.nextPosting(bytes, at: &position) {
            document += Int32(truncatingIfNeeded: gap)
            while nextAdded < added.count && added[nextAdded].document < document {
                list.append(added[nextAdded])
                nextAdded += 1
            }
            while nextPage < pages.count && pages[nextPage] < document { nextPage += 1 }
            if nextPage < pages.count && pages[nextPage] == document { continue }
            list.append((document, Float(halves) / 2, section))
        }
        list += added[nextAdded...]
        return list
    }

    /// The memory's byte strings as a store saves them (`RecordStore.save`), in the order
    /// `encode` writes their places: each term's postings and encoded postings, then the
    /// chunks. Those of the store the memory was read from are `.stored` there; the others are
    /// new, and `bytes` gives them by their position.
    public func storeEntries() -> (entries: [RecordStore.Entry], bytes: @Sendable (Int) -> ArraySlice<UInt8>) {
        storeEntries(slots: liveSlots(), chunks: Array(chunks.indices))
    }

    /// The byte strings `encodeChanges` names, in its order, as `storeEntries()` gives them:
    /// those of the changed terms and chunks.
    public func changedStoreEntries() -> (entries: [RecordStore.Entry], bytes: @Sendable (Int) -> ArraySlice<UInt8>) {
        storeEntries(slots: unsaved?.slots.sorted() ?? [], chunks: unsaved?.chunks.sorted() ?? [])
    }

    private func storeEntries(slots: [Int], chunks numbers: [Int]) -> (entries: [RecordStore.Entry], bytes: @Sendable (Int) -> ArraySlice<UInt8>) {
        func entry(_ blob: Blob) -> RecordStore.Entry {
            if case .stored(let range, _) = blob { .stored(range) } else { .new }
        }
        var entries: [RecordStore.Entry] = []
        entries.reserveCapacity(2 * slots.count + numbers.count)
        for slot in slots {
            entries.append(entry(postings[slot]))
            entries.append(entry(encoded[slot]))
        }
        for number in numbers { entries.append(entry(chunks[number])) }
        let memory = self
        return (entries, { position in
            let blob = position < 2 * slots.count
                ? (position % 2 == 0 ? memory.postings[slots[position / 2]] : memory.encoded[slots[position / 2]])
                : memory.chunks[numbers[position - 2 * slots.count]]
            // Where the memory holds them: the store copies them once, into what it writes.
            return memory.bytes(blob)
        })
    }

    /// The terms some page still has: those the build cache keeps.
    private func liveSlots() -> [Int] {
        (0..<terms.count).filter { !postings[$0].isEmpty }
    }

    /// For the build cache, a piece at a time (`ByteWriter.passOnWhenFull`), while the site is
    /// written. With `places` (where a store holds `storeEntries()`, in their order), the memory names
    /// them, with their hashes; without, it holds their bytes. What `write` was not handed
    /// stays in `out`. The terms' numbers are written a column at a time, each handed to `write`
    /// from where it lies (`ByteWriter.column(_:passingOnTo:)`): a rebuild reads and writes
    /// every term's, and one copy each way is all it takes.
    public func encode(into out: inout ByteWriter, places: ArraySlice<Range<Int>>? = nil, write: FileSystem.Sink) throws {
        out.byte(places == nil ? 0 : 1)
        try out.column(pages, passingOnTo: write)
        try out.column(pageTerms, passingOnTo: write)
        out.word(averageLength.bitPattern)
        out.word(highest.bitPattern)
        out.integer(cjkShards)
        out.integer(shardNames.count)
        for (name, hash) in zip(shardNames, shardHashes) {
            out.text(name)
            optionalHash(hash, into: &out)
        }
        let slots = liveSlots()
        let all = slots.count == terms.count
        func column<T: BitwiseCopyable>(_ values: [T]) throws { try out.column(all ? values : slots.map { values[$0] }, passingOnTo: write) }
        let kept = all ? terms : terms.keeping(slots)
        out.blob(kept.bytes)
        try out.column(kept.ends, passingOnTo: write)
        try column(highests)
        try column(bests)
        try column(bestWeights)
        try column(counts)
        try column(totals)
        try column(cuts)
        try column(shardOfSlot)
        try out.passOnWhenFull(to: write)
        // Each term's postings, then its encoded postings, in `storeEntries()` order.
        if let places {
            let first = places.startIndex
            for list in 0..<2 {
                let entries = slots.indices.map { places[first + 2 * $0 + list] }
                try out.column(entries.map { Int64($0.lowerBound) }, passingOnTo: write)
                try out.column(entries.map { Int64($0.count) }, passingOnTo: write)
                try out.column(slots.map { slot in
                    switch list == 0 ? postings[slot] : encoded[slot] {
                    case .held(let bytes): StableHasher.hash(bytes: bytes)
                    case .stored(_, let hash): hash
                    }
                }, passingOnTo: write)
            }
        } else {
            for slot in slots {
                out.blob(bytes(postings[slot]))
                out.blob(bytes(encoded[slot]))
                try out.passOnWhenFull(to: write)
            }
        }
        var place = (places?.startIndex ?? 0) + 2 * slots.count
        out.integer(chunks.count)
        for (number, chunk) in chunks.enumerated() {
            out.word(chunkKeys[number])
            if let places {
                out.varint(UInt64(places[place].lowerBound))
                out.varint(UInt64(places[place].count))
                place += 1
                switch chunk {
                case .held(let bytes): out.word(StableHasher.hash(bytes: bytes))
                case .stored(_, let hash): out.word(hash)
                }
            } else {
                out.blob(bytes(chunk))
            }
            optionalHash(chunkHashes[number], into: &out)
            try out.passOnWhenFull(to: write)
        }
    }

    private func optionalHash(_ hash: UInt64?, into out: inout ByteWriter) {
        out.byte(hash == nil ? 0 : 1)
        out.word(hash ?? 0)
    }

    private static func optionalHash(_ input: inout ByteReader) -> UInt64?? {
        guard let present = input.byte(), let hash = input.word() else { return nil }
        return .some(present == 1 ? hash : nil)
    }

    /// Nil at damaged bytes, or when the memory names places in a store and `store` is not given.
    public static func decode(_ input: inout ByteReader, store: RecordStore? = nil) -> IndexMemory? {
        guard let inStore = input.byte(), inStore <= 1, inStore == 0 || store != nil else { return nil }
        let storeEnd = UInt64(store?.end ?? 0)
        func blob(_ input: inout ByteReader) -> Blob? {
            guard inStore == 1 else { return input.blob().map { .held($0[...]) } }
            guard let start = input.varint(), let count = input.varint(), start <= storeEnd,
                  count <= storeEnd - start, let hash = input.word() else { return nil }
            return .stored(Int(start)..<Int(start + count), hash: hash)
        }
        guard let pages = input.column(of: UInt64.self), let pageTerms = input.column(of: UInt64.self, limit: pages.count),
              pageTerms.count == pages.count,
              let averageLength = input.word(), let highest = input.word(), let cjkShards = input.count(),
              let shardCount = input.count() else { return nil }
        var memory = IndexMemory(pages: pages, pageTerms: pageTerms, averageLength: Double(bitPattern: averageLength),
                                 highest: Double(bitPattern: highest))
        memory.store = inStore == 1 ? store : nil
        memory.cjkShards = cjkShards
        for _ in 0..<shardCount {
            guard let name = input.text(), let hash = optionalHash(&input) else { return nil }
            memory.shardNames.append(name)
            memory.shardHashes.append(hash)
        }
        let pageCount = pages.count
        guard let termBytes = input.blob(), let ends = input.column(of: UInt32.self),
              let terms = TermTexts(bytes: termBytes, ends: ends) else { return nil }
        let termCount = terms.count
        func column<T: BitwiseCopyable>(_ type: T.Type) -> [T]? {
            input.column(of: type, limit: termCount).flatMap { $0.count == termCount ? $0 : nil }
        }
        guard let highests = column(Float.self), let bests = column(Int32.self), let bestWeights = column(Float.self),
              let counts = column(Int32.self), let totals = column(Int64.self), let cuts = column(Double.self),
              let shardOfSlot = column(Int32.self),
              bests.allSatisfy({ 0 <= $0 && Int($0) <= pageCount }), counts.allSatisfy({ 0 <= $0 && Int($0) <= pageCount }),
              shardOfSlot.allSatisfy({ 0 <= $0 && Int($0) < shardCount }) else { return nil }
        memory.terms = terms
        memory.termSlots = termSlots(terms)
        memory.unsaved = inStore == 1 ? Unsaved(termCount: terms.count) : nil
        (memory.highests, memory.bests, memory.bestWeights) = (highests, bests, bestWeights)
        (memory.counts, memory.totals, memory.cuts, memory.shardOfSlot) = (counts, totals, cuts, shardOfSlot)
        if inStore == 1 {
            // Where the store holds each term's postings, then its encoded postings.
            func places() -> [Blob]? {
                guard let starts = column(Int64.self), let lengths = column(Int64.self), let hashes = column(UInt64.self) else { return nil }
                var blobs: [Blob] = []
                blobs.reserveCapacity(termCount)
                for slot in 0..<termCount {
                    let start = starts[slot], length = lengths[slot]
                    guard start >= 0, length >= 0, UInt64(start) <= storeEnd, UInt64(length) <= storeEnd - UInt64(start) else { return nil }
                    blobs.append(.stored(Int(start)..<Int(start + length), hash: hashes[slot]))
                }
                return blobs
            }
            guard let postings = places(), let encoded = places() else { return nil }
            (memory.postings, memory.encoded) = (postings, encoded)
        } else {
            memory.postings.reserveCapacity(termCount)
            memory.encoded.reserveCapacity(termCount)
            for _ in 0..<termCount {
                guard let postings = input.blob(), let encoded = input.blob() else { return nil }
                memory.postings.append(.held(postings[...]))
                memory.encoded.append(.held(encoded[...]))
            }
        }
        guard let chunkCount = input.count() else { return nil }
        for _ in 0..<chunkCount {
            guard let key = input.word(), let chunk = blob(&input), let hash = optionalHash(&input) else { return nil }
            memory.chunkKeys.append(key)
            memory.chunks.append(chunk)
            memory.chunkHashes.append(hash)
        }
        return memory
    }

    /// What changed since the memory was read (`savesAsChanges`), for the build cache: the new
    /// terms' texts; each changed term's numbers and where `places` (the store's places of
    /// `changedStoreEntries()`, in their order) puts its postings and encoded postings, with
    /// their hashes; the pages' changed terms hashes; the shards; the changed chunks. A few
    /// kilobytes where the whole memory is megabytes.
    public func encodeChanges(into out: inout ByteWriter, places: ArraySlice<Range<Int>>) {
        guard let unsaved else { preconditionFailure("a memory not read from the build cache is saved whole") }
        let slots = unsaved.slots.sorted()
        out.integer(terms.count)
        let added = terms.keeping(Array(unsaved.termCount..<terms.count))
        out.blob(added.bytes)
        out.column(added.ends)
        out.column(slots.map(Int32.init))
        out.column(slots.map { highests[$0] })
        out.column(slots.map { bests[$0] })
        out.column(slots.map { bestWeights[$0] })
        out.column(slots.map { counts[$0] })
        out.column(slots.map { totals[$0] })
        out.column(slots.map { cuts[$0] })
        out.column(slots.map { shardOfSlot[$0] })
        let first = places.startIndex
        func place(_ position: Int, _ blob: Blob) {
            out.varint(UInt64(places[first + position].lowerBound))
            out.varint(UInt64(places[first + position].count))
            switch blob {
            case .held(let bytes): out.word(StableHasher.hash(bytes: bytes))
            case .stored(_, let hash): out.word(hash)
            }
        }
        for (number, slot) in slots.enumerated() {
            place(2 * number, postings[slot])
            place(2 * number + 1, encoded[slot])
        }
        let pagesChanged = unsaved.pages.sorted()
        out.column(pagesChanged.map(Int32.init))
        out.column(pagesChanged.map { pageTerms[$0] })
        out.integer(cjkShards)
        out.integer(shardNames.count)
        for (name, hash) in zip(shardNames, shardHashes) {
            out.text(name)
            optionalHash(hash, into: &out)
        }
        let chunksChanged = unsaved.chunks.sorted()
        out.integer(chunksChanged.count)
        for (position, number) in chunksChanged.enumerated() {
            out.small(number)
            out.word(chunkKeys[number])
            place(2 * slots.count + position, chunks[number])
        }
        out.integer(chunkHashes.count)
        for hash in chunkHashes { optionalHash(hash, into: &out) }
    }

    /// Puts the changes of a later build (`encodeChanges`) into a memory read from the build
    /// cache, whose store then holds `storeEnd` bytes of records. False at damaged bytes.
    public mutating func applyChanges(_ input: inout ByteReader, storeEnd: Int) -> Bool {
        let pageCount = pages.count
        guard store != nil, let termCount = input.count(), termCount >= terms.count, let addedBytes = input.blob(),
              let addedEnds = input.column(of: UInt32.self, limit: termCount - terms.count),
              addedEnds.count == termCount - terms.count, let added = TermTexts(bytes: addedBytes, ends: addedEnds),
              let slots = input.column(of: Int32.self, limit: termCount) else { return false }
        func column<T: BitwiseCopyable>(_ type: T.Type) -> [T]? {
            input.column(of: type, limit: slots.count).flatMap { $0.count == slots.count ? $0 : nil }
        }
        guard let newHighests = column(Float.self), let newBests = column(Int32.self), let newBestWeights = column(Float.self),
              let newCounts = column(Int32.self), let newTotals = column(Int64.self), let newCuts = column(Double.self),
              let newShards = column(Int32.self),
              slots.allSatisfy({ 0 <= $0 && Int($0) < termCount }), Set(slots).count == slots.count,
              // Every new term is among the changed ones, which give its numbers.
              slots.count(where: { Int($0) >= terms.count }) == termCount - terms.count,
              newBests.allSatisfy({ 0 <= $0 && Int($0) <= pageCount }),
              newCounts.allSatisfy({ 0 <= $0 && Int($0) <= pageCount }) else { return false }
        func place() -> Blob? {
            guard let start = input.varint(), let count = input.varint(), start <= UInt64(storeEnd),
                  count <= UInt64(storeEnd) - start, let hash = input.word() else { return nil }
            return .stored(Int(start)..<Int(start + count), hash: hash)
        }
        var newPostings: [Blob] = [], newEncoded: [Blob] = []
        for _ in slots {
            guard let postingsPlace = place(), let encodedPlace = place() else { return false }
            newPostings.append(postingsPlace)
            newEncoded.append(encodedPlace)
        }
        guard let pagesChanged = input.column(of: Int32.self, limit: pageCount),
              let newPageTerms = input.column(of: UInt64.self, limit: pageCount), newPageTerms.count == pagesChanged.count,
              pagesChanged.allSatisfy({ 0 <= $0 && Int($0) < pageCount }),
              let newCJKShards = input.count(), let shardCount = input.count() else { return false }
        var names: [String] = [], hashes: [UInt64?] = []
        for _ in 0..<shardCount {
            guard let name = input.text(), let hash = Self.optionalHash(&input) else { return false }
            names.append(name)
            hashes.append(hash)
        }
        guard newShards.allSatisfy({ 0 <= $0 && Int($0) < shardCount }),
              shardOfSlot.allSatisfy({ Int($0) < shardCount }), let chunkCount = input.count(limit: chunks.count) else { return false }
        var newChunks: [(number: Int, key: UInt64, blob: Blob)] = []
        for _ in 0..<chunkCount {
            guard let number = input.small(limit: chunks.count - 1), let key = input.word(), let blob = place() else { return false }
            newChunks.append((number, key, blob))
        }
        guard input.count() == chunks.count else { return false }
        var newChunkHashes: [UInt64?] = []
        for _ in chunks.indices {
            guard let hash = Self.optionalHash(&input) else { return false }
            newChunkHashes.append(hash)
        }

        // Read whole: now the memory changes.
        let oldCount = terms.count
        for slot in oldCount..<termCount {
            let term = added[slot - oldCount]
            terms.append(term)
            let hash = StableHasher.hash(term)
            if hash == 0 || termSlots?.slot(of: hash, next: slot) != slot { termSlots = nil }
        }
        let addedCount = termCount - postings.count
        postings += repeatElement(.held([]), count: addedCount)
        encoded += repeatElement(.held([]), count: addedCount)
        highests += repeatElement(0, count: addedCount)
        bests += repeatElement(0, count: addedCount)
        bestWeights += repeatElement(0, count: addedCount)
        counts += repeatElement(0, count: addedCount)
        totals += repeatElement(0, count: addedCount)
        cuts += repeatElement(.nan, count: addedCount)
        shardOfSlot += repeatElement(0, count: addedCount)
        for (number, slot) in slots.lazy.map(Int.init).enumerated() {
            (highests[slot], bests[slot], bestWeights[slot]) = (newHighests[number], newBests[number], newBestWeights[number])
            (counts[slot], totals[slot], cuts[slot]) = (newCounts[number], newTotals[number], newCuts[number])
            shardOfSlot[slot] = newShards[number]
            (postings[slot], encoded[slot]) = (newPostings[number], newEncoded[number])
        }
        for (page, hash) in zip(pagesChanged, newPageTerms) { pageTerms[Int(page)] = hash }
        (cjkShards, shardNames, shardHashes) = (newCJKShards, names, hashes)
        for chunk in newChunks { (chunkKeys[chunk.number], chunks[chunk.number]) = (chunk.key, chunk.blob) }
        chunkHashes = newChunkHashes
        unsaved = Unsaved(termCount: terms.count)
        return true
    }

    /// The store the memory's records are in, as a later build left it (more records at its end).
    public mutating func use(_ laterStore: RecordStore) {
        if store != nil { store = laterStore }
    }

    /// A memory with no terms or chunks yet (`decode` adds them).
    private init(pages: [UInt64], pageTerms: [UInt64], averageLength: Double, highest: Double) {
        self.pages = pages
        self.pageTerms = pageTerms
        self.averageLength = averageLength
        self.highest = highest
        terms = TermTexts()
        (postings, highests, bests, bestWeights, encoded, counts, totals, cuts) = ([], [], [], [], [], [], [], [])
        (chunks, chunkKeys, chunkHashes) = ([], [], [])
    }
}

/// The memory's terms, their UTF-8 one after another in one array: a rebuild reads and writes
/// forty thousand of them, as two copies rather than forty thousand texts, and a term becomes
/// a `String` only where one is needed (a shard made again, a new term placed).
struct TermTexts: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Where each term ends in `bytes`.
    private(set) var ends: [UInt32] = []

    init() {}

    init(_ terms: [String]) {
        ends.reserveCapacity(terms.count)
        for term in terms { append(term) }
    }

    /// Nil unless the terms are UTF-8 text each: the ends in order, inside `bytes`, and
    /// none inside a character.
    init?(bytes: [UInt8], ends: [UInt32]) {
        var previous: UInt32 = 0
        for end in ends {
            guard end >= previous, Int(end) <= bytes.count, Int(end) == bytes.count || bytes[Int(end)] & 0xC0 != 0x80 else { return nil }
            previous = end
        }
        guard Int(previous) == bytes.count, String(validating: bytes, as: UTF8.self) != nil else { return nil }
        self.bytes = bytes
        self.ends = ends
    }

    var count: Int { ends.count }

    private func range(_ slot: Int) -> Range<Int> {
        (slot == 0 ? 0 : Int(ends[slot - 1]))..<Int(ends[slot])
    }

    subscript(slot: Int) -> String { String(decoding: bytes[range(slot)], as: UTF8.self) }

    /// `StableHasher.hash(_:)` of the term's text.
    func hash(_ slot: Int) -> UInt64 { StableHasher.hash(bytes: bytes[range(slot)]) }

    func holds(_ term: String, at slot: Int) -> Bool { bytes[range(slot)].elementsEqual(term.utf8) }

    mutating func append(_ term: String) {
        bytes += term.utf8
        ends.append(UInt32(bytes.count))
    }

    /// The terms in `slots`, in that order.
    func keeping(_ slots: [Int]) -> TermTexts {
        var kept = TermTexts()
        kept.ends.reserveCapacity(slots.count)
        for slot in slots {
            kept.bytes += bytes[range(slot)]
            kept.ends.append(UInt32(kept.bytes.count))
        }
        return kept
    }
}
