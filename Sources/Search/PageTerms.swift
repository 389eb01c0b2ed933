import Content
import DeskbookSupport

/// What one page gives the search index, worked out as the page renders and kept in the build
/// cache: the weighted count of each of its terms, and an excerpt of each section. The page's
/// text itself is not kept, so the index costs a few bytes a term however large the site.
public struct PageTerms: Sendable, Equatable {
    /// Where the excerpts and encoded terms are: in memory, or in a record of the build
    /// cache's store, read only when asked for (most pages of a rebuild never are).
    private enum Source: Sendable {
        case held(excerpts: [SectionText], encoded: [UInt8])
        case stored(RecordStore, Range<Int>)
    }

    private let source: Source
    /// `encoded`, hashed: the index tells the pages whose terms changed by it. Kept with the
    /// terms in the build cache, so an unchanged page's terms are not hashed again.
    public let hash: UInt64
    /// `excerpts`, hashed: the index tells the chunks of page details that changed by it.
    public let excerptsHash: UInt64
    /// The page's length (the sum of its terms' weights), which scoring needs of every page.
    public let length: Double
    /// How many bytes `encoded` is.
    public let encodedCount: Int

    /// Each section's anchor and heading, and the first words of its text (`excerpt`).
    public var excerpts: [SectionText] {
        switch source {
        case .held(let excerpts, _): excerpts
        case .stored(let store, let range): stored(store, range)?.excerpts ?? []
        }
    }

    /// The terms, encoded: about four bytes a term. Read with `SearchIndex.TermReader`.
    ///
    /// The page's length, then its CJK terms in code order, part by part (`TermParts`; each
    /// part its length in bytes, so a reader of one part skips the rest, then its count, then
    /// for each term the gap from the last packed code, the weight and the section), then
    /// its words in byte order (text, weight, section). Weights are sums of the field
    /// weights, all whole numbers of halves, and are stored as halves, exactly.
    public var encoded: [UInt8] {
        switch source {
        case .held(_, let encoded): encoded
        case .stored(let store, let range): stored(store, range)?.encoded ?? []
        }
    }

    /// The record in `range` of `store`, checked against the hashes the page record holds of it.
    private func stored(_ store: RecordStore, _ range: Range<Int>) -> (excerpts: [SectionText], encoded: [UInt8])? {
        guard let bytes = store.bytes(range) else { return nil }
        guard let record = Self.decodeRecord(bytes), StableHasher.hash(bytes: record.encoded) == hash,
              Self.hash(record.excerpts) == excerptsHash else {
            store.markDamaged("a page's search terms at \(range.lowerBound) are not those its record names")
            return nil
        }
        return record
    }

    /// What saving `terms` into `store` (the store they were read from, if any) takes: a
    /// page's record stays where it is, or where one with the same hashes is, or is added
    /// once (`record()` makes its bytes).
    public static func storeEntries(_ terms: [PageTerms], in store: RecordStore?) -> [RecordStore.Entry] {
        struct Key: Hashable {
            let hash, excerptsHash: UInt64
            let encodedCount: Int
        }
        func key(_ terms: PageTerms) -> Key { Key(hash: terms.hash, excerptsHash: terms.excerptsHash, encodedCount: terms.encodedCount) }
        func stored(_ page: PageTerms) -> Range<Int>? {
            if case .stored(let source, let range) = page.source, source === store { range } else { nil }
        }
        // After an edit of a few pages, the few new records are looked for among the stored
        // ones one by one: a table of ten thousand keys costs more than that.
        let fresh = terms.indices.filter { stored(terms[$0]) == nil }
        if fresh.count <= 16 {
            var entries = terms.map { page in stored(page).map(RecordStore.Entry.stored) ?? .new }
            for (number, position) in fresh.enumerated() {
                let wanted = key(terms[position])
                if let earlier = fresh[..<number].first(where: { key(terms[$0]) == wanted }) {
                    if case .new = entries[earlier] { entries[position] = .same(as: earlier) } else { entries[position] = entries[earlier] }
                } else if let match = terms.firstIndex(where: { stored($0) != nil && key($0) == wanted }) {
                    entries[position] = entries[match]
                }
            }
            return entries
        }
        var known: [Key: RecordStore.Entry] = [:]
        known.reserveCapacity(terms.count)
        for page in terms {
            if let range = stored(page) { known[key(page)] = .stored(range) }
        }
        return terms.enumerated().map { position, page in
            if let entry = known[key(page)] { return entry }
            known[key(page)] = .same(as: position)
            return .new
        }
    }

    /// Each field's weight in halves: a word in a title counts four times one in the text.
    static let fieldWeights: (title: UInt32, synonyms: UInt32, reply: UInt32, heading: UInt32, text: UInt32) = (8, 6, 4, 3, 2)
    /// How many characters of a section its excerpt keeps.
    static let excerptLength = 40

    public init(excerpts: [SectionText], encoded: [UInt8]) {
        source = .held(excerpts: excerpts, encoded: encoded)
        hash = StableHasher.hash(bytes: encoded)
        excerptsHash = Self.hash(excerpts)
        length = SearchIndex.TermReader(encoded).length
        encodedCount = encoded.count
    }

    /// A page's record in `store`, with what the page's record in the build cache says of it.
    public init(stored store: RecordStore, range: Range<Int>, hash: UInt64, excerptsHash: UInt64, length: Double, encodedCount: Int) {
        source = .stored(store, range)
        self.hash = hash
        self.excerptsHash = excerptsHash
        self.length = length
        self.encodedCount = encodedCount
    }

    /// Equal hashes, equal terms and excerpts: whether either is held or stored.
    public static func == (left: PageTerms, right: PageTerms) -> Bool {
        left.hash == right.hash && left.excerptsHash == right.excerptsHash && left.encodedCount == right.encodedCount
    }

    static func hash(_ excerpts: [SectionText]) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(excerpts.count)
        for excerpt in excerpts {
            hasher.combine(excerpt.anchor)
            hasher.combine(excerpt.heading)
            excerpt.utf8.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        return hasher.value
    }

    /// The excerpts and the encoded terms as the store keeps them.
    public func record() -> [UInt8] {
        let excerpts = excerpts
        // Sized ahead, eight bytes for each count and length: ten thousand records are made at
        // a cold build's end, and a writer grown step by step copied each one several times.
        var size = 16 + encoded.count
        for excerpt in excerpts { size += 24 + excerpt.anchor.utf8.count + excerpt.heading.utf8.count + excerpt.utf8.count }
        var out = ByteWriter(capacity: size)
        out.integer(excerpts.count)
        for excerpt in excerpts {
            out.text(excerpt.anchor)
            out.text(excerpt.heading)
            out.blob(excerpt.utf8)
        }
        out.blob(encoded)
        return out.bytes
    }

    /// Nil at damaged bytes.
    static func decodeRecord(_ bytes: [UInt8]) -> (excerpts: [SectionText], encoded: [UInt8])? {
        var input = ByteReader(bytes)
        guard let count = input.count(limit: bytes.count) else { return nil }
        var excerpts: [SectionText] = []
        excerpts.reserveCapacity(count)
        for _ in 0..<count {
            guard let anchor = input.text(), let heading = input.text(), let text = input.blob() else { return nil }
            excerpts.append(SectionText(anchor: anchor, heading: heading, utf8: text))
        }
        guard let encoded = input.blob(), input.isAtEnd else { return nil }
        return (excerpts, encoded)
    }

    /// The terms of a page's title, synonyms, reply and sections, each field weighted.
    public init(title: String, synonyms: [String], reply: String?, sections: [SectionText]) {
        var sizeHint = title.utf8.count + (reply?.utf8.count ?? 0)
        for section in sections { sizeHint += section.utf8.count + section.heading.utf8.count }
        // About one distinct term in sixteen bytes of text; the table grows for more.
        var collector = TermCollector(expected: sizeHint / 16 + 16)
        let tokenizer = Tokenizer(folding: .standard)
        func add(_ text: String, weight: UInt32, section: Int, unigrams: Bool = false) {
            var text = text
            text.withUTF8 { add($0, weight: weight, section: section, unigrams: unigrams) }
        }
        func add(_ text: UnsafeBufferPointer<UInt8>, weight: UInt32, section: Int, unigrams: Bool = false) {
            collector.weight = weight
            collector.section = UInt8(min(section, 63))
            tokenizer.terms(utf8: text, unigrams: unigrams, into: &collector)
        }
        add(title, weight: Self.fieldWeights.title, section: 0, unigrams: true)
        for word in synonyms { add(word, weight: Self.fieldWeights.synonyms, section: 0) }
        if let reply { add(reply, weight: Self.fieldWeights.reply, section: 0) }
        for (index, section) in sections.enumerated() {
            add(section.heading, weight: Self.fieldWeights.heading, section: index)
            section.utf8.withUnsafeBufferPointer { add($0, weight: Self.fieldWeights.text, section: index) }
        }
        self.init(excerpts: sections.map { SectionText(anchor: $0.anchor, heading: $0.heading, utf8: Self.excerpt($0.utf8)) },
                  encoded: collector.encoded())
    }

    /// The first characters of a section, white space collapsed, counted in Unicode scalars
    /// on its UTF-8 bytes (no grapheme breaking: this runs for every section of the site).
    static func excerpt(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(bytes.count, excerptLength * 4 + 4))
        var count = 0
        var space = false
        for byte in bytes {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                space = count > 0
                continue
            }
            // A byte that starts a scalar (not a continuation byte) starts a new character.
            if byte & 0xC0 != 0x80 {
                if count == excerptLength {
                    out += "…".utf8
                    break
                }
                if space {
                    out.append(UInt8(ascii: " "))
                    space = false
                }
                count += 1
            }
            out.append(byte)
        }
        return out
    }
}

/// Counts a page's terms as the tokenizer finds them, then encodes them (`PageTerms.encoded`).
/// CJK terms, and words of up to eight letters (most), are counted as numbers, a word's bytes
/// packed into one `UInt64`; longer words by their text.
struct TermCollector: TermSink {
    /// The weight, in halves, and the section of the text being read.
    var weight: UInt32 = 0
    var section: UInt8 = 0
    /// The page's length: the sum of its terms' weights, in halves.
    private var length: UInt64 = 0
    private let cjkCounts: TermCounter
    private let shortWords = TermCounter(expected: 64)
    /// The same two counters, for the tokenizer's loop to call without counting a reference
    /// to them at each term, as it did through the strong references (a call may grow the
    /// table, which the optimizer cannot see through). The references above keep them alive.
    private let cjkCounter: Unmanaged<TermCounter>
    private let shortWordCounter: Unmanaged<TermCounter>
    private var longWords: [String: (weight: UInt32, section: UInt8)] = [:]

    init(expected: Int) {
        cjkCounts = TermCounter(expected: expected)
        cjkCounter = Unmanaged.passUnretained(cjkCounts)
        shortWordCounter = Unmanaged.passUnretained(shortWords)
    }

    mutating func cjk(_ code: UInt64) {
        length &+= UInt64(weight)
        let (weight, section) = (weight, section)
        cjkCounter._withUnsafeGuaranteedRef { $0.add(code, weight: weight, section: section) }
    }

    mutating func word(_ letters: UnsafeBufferPointer<UInt8>) {
        length &+= UInt64(weight)
        if letters.count <= 8 {
            let (weight, section) = (weight, section)
            shortWordCounter._withUnsafeGuaranteedRef { $0.add(TermParts.packed(word: letters), weight: weight, section: section) }
        } else {
            // One lookup: a new word keeps this section as its first.
            longWords[String(decoding: letters, as: UTF8.self), default: (0, section)].weight += weight
        }
    }

    /// The terms as `PageTerms.encoded`, without spare capacity: they are kept for every page
    /// until the index is written. (Plain loops over raw memory: this writes every term of the
    /// site, and closures that change local variables, or arrays, check at every byte.)
    func encoded() -> [UInt8] {
        // The most each item can take: a varint of up to 64 bits is 10 bytes.
        let longWordBytes = longWords.keys.reduce(0) { $0 + $1.utf8.count + 16 }
        let capacity = 10 + TermParts.cjkCount * 20 + cjkCounts.count * 17 + 10 + shortWords.count * 17 + longWordBytes
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { outMemory in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: cjkCounts.count * 17 + 1) { blockMemory in
                var out = RawByteWriter(outMemory)
                out.varint(length)

                // Each part is gathered on its own first: its length in bytes comes before it.
                let (sorted, partEnds) = cjkCounts.sortedByPart()
                var next = 0
                for part in 0..<TermParts.cjkCount {
                    var block = RawByteWriter(blockMemory)
                    var previous: UInt64 = 0
                    let start = next
                    while next < partEnds[part] {
                        let packed = sorted[next].packed
                        let term = cjkCounts.term(Int(sorted[next].number))
                        block.varint(packed &- previous)
                        previous = packed
                        block.varint(UInt64(term.weight))
                        block.byte(term.section)
                        next += 1
                    }
                    out.varint(UInt64(ByteWriter.varintSize(UInt64(next - start)) + block.count))
                    out.varint(UInt64(next - start))
                    out.bytes(block.written)
                }

                // Words in byte order. A short word's code, byte-swapped, sorts as its text does
                // (its unused bytes are zero); long words are merged in.
                let shortCodes = TermCounter.sorted(shortWords.codes.map(\.byteSwapped))
                let longTexts = longWords.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                out.varint(UInt64(shortCodes.count + longTexts.count))
                var nextLong = 0
                for position in 0...shortCodes.count {
                    let code = position < shortCodes.count ? shortCodes[position].byteSwapped : 0
                    let letters = (64 - code.leadingZeroBitCount + 7) / 8
                    if nextLong < longTexts.count {
                        let short = (0..<letters).lazy.map { UInt8(truncatingIfNeeded: code >> (8 * $0)) }
                        while nextLong < longTexts.count && (code == 0 || longTexts[nextLong].lexicographicallyPrecedes(short)) {
                            let text = longTexts[nextLong]
                            let entry = longWords[String(decoding: text, as: UTF8.self)]!
                            out.varint(UInt64(text.count))
                            text.withUnsafeBufferPointer { out.bytes($0) }
                            out.varint(UInt64(entry.weight))
                            out.byte(entry.section)
                            nextLong += 1
                        }
                    }
                    if code == 0 { break }
                    out.varint(UInt64(letters))
                    for letter in 0..<letters { out.byte(UInt8(truncatingIfNeeded: code >> (8 * letter))) }
                    let entry = shortWords.entry(code)
                    out.varint(UInt64(entry.weight))
                    out.byte(entry.section)
                }
                return Array(out.written)
            }
        }
    }
}

/// Writes into memory already sized for the most it will take (the caller's promise), with
/// no check per byte.
private struct RawByteWriter {
    private let memory: UnsafeMutableBufferPointer<UInt8>
    private(set) var count = 0

    init(_ memory: UnsafeMutableBufferPointer<UInt8>) { self.memory = memory }

    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: memory[..<count]) }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        assert(count < memory.count, "the memory was sized too small")
        memory.baseAddress.unsafelyUnwrapped[count] = value
        count += 1
    }

    /// A number in as few bytes as it needs (see `ByteWriter.varintSize`).
    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        byte(UInt8(value))
    }

    mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        assert(count + bytes.count <= memory.count, "the memory was sized too small")
        (memory.baseAddress.unsafelyUnwrapped + count).update(from: source, count: bytes.count)
        count += bytes.count
    }
}

extension SearchIndex {
    /// Reads `PageTerms.encoded`. Stops quietly at damaged bytes (a damaged cache file): the
    /// index is then short of terms, never the build broken.
    struct TermReader {
        private var input: ByteReader
        private(set) var length = 0.0
        /// Where the parts start, after the length.
        private var partsStart = 0

        init(_ encoded: [UInt8]) {
            input = ByteReader(encoded)
            length = Double(input.varint() ?? 0) / 2
            partsStart = input.position
        }

        /// A reader of one part only, from where `PartStarts` found it: then `block()` reads a
        /// CJK part, `forEachWordBytes` the words.
        init(_ encoded: [UInt8], partAt start: Int) {
            input = ByteReader(encoded, range: min(start, encoded.count)..<encoded.count)
            partsStart = -1
        }

        /// Where each part (`TermParts`) of `encoded` starts, into `starts`; the end of the
        /// bytes for the parts past damaged bytes.
        static func partStarts(of encoded: [UInt8], into starts: UnsafeMutableBufferPointer<UInt32>) {
            var reader = TermReader(encoded)
            for part in 0..<TermParts.count {
                starts[part] = UInt32(truncatingIfNeeded: reader.input.position)
                if part < TermParts.cjkCount && !reader.input.skipBlock() {
                    for rest in part + 1..<TermParts.count { starts[rest] = UInt32(truncatingIfNeeded: encoded.count) }
                    return
                }
            }
        }

        /// The CJK terms of every part. Call before `forEachWord`, once.
        mutating func forEachCJK(_ body: (_ code: UInt64, _ weight: Float, _ section: UInt8) -> Void) {
            for _ in 0..<TermParts.cjkCount {
                guard input.varint() != nil else { return }
                var block = openBlock()
                while let term = next(in: &block) { body(term.code, term.weight, term.section) }
            }
        }

        /// Where reading one part's CJK terms has got to (`next(in:)`).
        struct Block {
            fileprivate var remaining: UInt64
            fileprivate var packed: UInt64 = 0
        }

        /// The CJK part that starts where the reader is (made with `init(_:partAt:)`), to read
        /// with `next(in:)`: no closure per term, as the index reads every term of the site.
        mutating func block() -> Block {
            guard input.varint() != nil else { return Block(remaining: 0) }
            return openBlock()
        }

        private mutating func openBlock() -> Block { Block(remaining: input.varint() ?? 0) }

        /// The block's next term, in code order; nil at its end or at damaged bytes. (Inlined:
        /// the index reads every term of the site through here.)
        @inline(__always)
        mutating func next(in block: inout Block) -> (code: UInt64, weight: Float, section: UInt8)? {
            guard block.remaining > 0, let gap = input.varint(), let weight = input.varint(), let section = input.byte() else {
                block.remaining = 0
                return nil
            }
            block.remaining -= 1
            block.packed &+= gap
            return (TermParts.code(unpacking: block.packed), Float(weight) / 2, section)
        }

        /// The words. Call once, on a new reader or after `forEachCJK(_:)`.
        mutating func forEachWord(_ body: (_ word: String, _ weight: Float, _ section: UInt8) -> Void) {
            forEachWordBytes { word, weight, section in body(String(decoding: word, as: UTF8.self), weight, section) }
        }

        /// The words as their bytes where they lie (valid during the call), for a reader that
        /// makes a `String` only of new ones.
        mutating func forEachWordBytes(_ body: (_ word: UnsafeBufferPointer<UInt8>, _ weight: Float, _ section: UInt8) -> Void) {
            forEachWord(passingOver: false) { word, weight, section in body(word!, weight, section) }
        }

        /// The words' weights and sections alone: their bytes are passed over.
        mutating func forEachWordPosting(_ body: (_ weight: Float, _ section: UInt8) -> Void) {
            forEachWord(passingOver: true) { _, weight, section in body(weight, section) }
        }

        @inline(__always)
        private mutating func forEachWord(passingOver: Bool, _ body: (_ word: UnsafeBufferPointer<UInt8>?, _ weight: Float, _ section: UInt8) -> Void) {
            if input.position == partsStart {
                for _ in 0..<TermParts.cjkCount {
                    guard input.skipBlock() else { return }
                }
            }
            guard let count = input.varint() else { return }
            for _ in 0..<count {
                guard let length = input.varint(), length > 0, length <= UInt64(Int.max) else { return }
                let word = passingOver ? nil : input.bytesInPlace(Int(length))
                guard passingOver ? input.skip(Int(length)) != nil : word != nil,
                      let weight = input.varint(), let section = input.byte() else { return }
                body(word, Float(weight) / 2, section)
            }
        }
    }
}
