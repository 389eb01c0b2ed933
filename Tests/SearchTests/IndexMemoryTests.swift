import Testing
#if canImport(Glibc)
import Glibc
#endif
import DeskbookSupport
@testable import Search

/// An index made again from the last build's memory must be the very files a build from
/// nothing writes, whatever changed.
@Suite struct IndexMemoryTests {
    static let synonyms = [["按揭", "房貸"]]

    static func withTerms(_ documents: [SearchDocument], page: Int, title: String, text: String) -> [SearchDocument] {
        var documents = documents
        documents[page].terms = PageTerms(title: title, synonyms: [], reply: nil, sections: [.init(anchor: "", heading: "", text: text)])
        return documents
    }

    func expectSameFiles(_ made: [(path: String, bytes: [UInt8])], _ expected: [(path: String, bytes: [UInt8])], _ step: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(made.map(\.path) == expected.map(\.path), "\(step)", sourceLocation: sourceLocation)
        let differing = zip(made, expected).filter { $0.bytes != $1.bytes }.map(\.0.path)
        #expect(differing.isEmpty, "after \(step): \(differing) differ from an index made from nothing", sourceLocation: sourceLocation)
    }

    /// Each step's index is made from the last one's memory, read back from the build cache's
    /// bytes, with the files it leaves out taken from the last step's files, as a build takes
    /// them from the last release.
    @Test func anIndexMadeFromItsMemoryIsTheSameAsOneMadeFromNothing() throws {
        var cache = Cache()
        defer { cache.remove() }
        let original = SearchIndexTests.documents
        var documents = original
        let first = SearchIndex.build(IndexInputs(documents, synonyms: Self.synonyms), previous: nil)
        var memory = try #require(first.memory)
        var lastFiles = Dictionary(uniqueKeysWithValues: first.files.map { ($0.path, $0.bytes ?? []) })
        let longText = String(repeating: "車位交屋驗收的細節，請看合約附件。parking handover ", count: 200)
        var reweighted = original
        reweighted[7] = SearchIndexTests.document(7, repeated: 2)
        var lengthened = original
        lengthened[250] = SearchIndexTests.document(250, extra: "。車位")
        let steps: [(String, [SearchDocument], globalChange: Bool)] = [
            ("a page's words weighted anew", reweighted, false),
            // Its length moves the highest score of all, but not the scale (`Scoring.scale`).
            ("the page with the highest score a little longer", lengthened, false),
            ("a page's text with new terms", Self.withTerms(original, page: 7, title: "新的問題", text: "全新的詞語 quokka 與訂金退還"), false),
            ("the page with the highest score losing its rare word", Self.withTerms(original, page: 250, title: "車位交屋", text: "車位"), true),
            ("a page so long the average length moves", Self.withTerms(original, page: 9, title: "長頁", text: longText), true),
            ("every page as it was", original, true),
        ]
        for (step, changed, globalChange) in steps {
            let inputs = IndexInputs(changed, synonyms: Self.synonyms)
            let readBack = try cache.readBack(memory)
            let previous = IndexMemory.Previous(memory: try #require(readBack), terms: documents.map(\.terms))
            let scoring = Scoring(changed)
            // Made from the memory, not from every page's terms.
            #expect(IndexMemory(updating: previous, inputs: inputs, scoring: scoring) != nil, "\(step)")
            let oldScoring = Scoring(documents)
            if !globalChange { #expect(scoring.averageLength == oldScoring.averageLength, "\(step)") }

            let whole = SearchIndex.build(inputs, previous: previous)
            #expect(whole.files.allSatisfy { $0.bytes != nil }, "\(step): a file left out that the last release may not hold")
            let expected = SearchIndex.build(changed, synonyms: Self.synonyms)
            expectSameFiles(whole.files.map { ($0.path, $0.bytes ?? []) }, expected, step)

            let made = SearchIndex.build(inputs, previous: previous, leavingOutUnchanged: true)
            if step == "a page's words weighted anew" {
                // The page's common words were put into their long lists in place, and the memory
                // is the one a build from nothing makes: each term's sum, best page and cut.
                let updated = try #require(made.memory)
                #expect(updated.splicedTerms > 5, "\(step)")
                var fresh = try #require(SearchIndex.build(inputs, previous: nil).memory)
                _ = fresh.files(synonyms: Self.synonyms, leavingOutUnchanged: false)
                let same = try encoded(updated) == encoded(fresh)
                #expect(same, "\(step): the memory differs from one made from nothing")
            }
            let leftOut = made.files.filter { $0.bytes == nil }.map(\.path)
            if !globalChange {
                // The terms the page had and has are encoded again, not every term.
                let updated = try #require(made.memory)
                #expect(updated.encodedTerms < updated.termCount, "\(step): all \(updated.encodedTerms) terms encoded again")
                // Of those, the lists and encodings that came out the same bytes stay in the
                // store: the page's posting moved in few of them (each would be two records).
                let stored = updated.storeEntries().entries.filter { if case .new = $0 { true } else { false } }.count
                if step == "the page with the highest score a little longer" {
                    #expect(stored < updated.encodedTerms, "\(step): \(stored) records stored again for \(updated.encodedTerms) terms")
                }
                #expect(leftOut.count > made.files.count / 2, "\(step): only \(leftOut.count) of \(made.files.count) files left out")
            }
            #expect(leftOut.allSatisfy { lastFiles[$0] != nil }, "\(step): \(leftOut) left out but not made before")
            let complete = made.files.map { ($0.path, $0.bytes ?? lastFiles[$0.path] ?? []) }
            expectSameFiles(complete, expected, step)
            lastFiles = Dictionary(uniqueKeysWithValues: complete)
            memory = try #require(made.memory)
            documents = changed
        }
    }

    /// The memory's bytes in the build cache.
    func encoded(_ memory: IndexMemory) throws -> [UInt8] {
        var pieces: [UInt8] = []
        var out = ByteWriter()
        try memory.encode(into: &out) { pieces += $0 }
        return pieces + out.bytes
    }

    /// The build cache's store of memories' bytes, saved into and read back from as builds do.
    struct Cache {
        let folder = temporaryFolder()
        /// The store the last memory was read back with.
        var store: RecordStore?
        /// The last memory saved whole, with the store it was read back with, and the changes
        /// saved after it with the store's end after each.
        var whole: (bytes: [UInt8], store: RecordStore?) = ([], nil)
        var changes: [(bytes: [UInt8], storeEnd: Int)] = []

        /// The memory as the next build reads it from the cache: its bytes in the store (added
        /// to the one it was read from), the rest in the memory's record.
        mutating func readBack(_ memory: IndexMemory) throws -> IndexMemory? {
            let blobs = memory.storeEntries()
            let saved = try RecordStore.save(blobs.entries, to: folder + "/postings", previous: store, bytes: blobs.bytes)
            var pieces: [UInt8] = []
            var out = ByteWriter()
            try memory.encode(into: &out, places: saved.ranges[...]) { pieces += $0 }
            store = RecordStore(path: folder + "/postings", identity: saved.identity, end: saved.end)
            (whole, changes) = ((pieces + out.bytes, store), [])
            var input = ByteReader(whole.bytes)
            let read = IndexMemory.decode(&input, store: store)
            return input.isAtEnd ? read : nil
        }

        /// The same, with the memory saved as its changes since it was read, after those saved
        /// before: read back as the memory saved whole, each record of changes put into it.
        mutating func readBackWithChanges(_ memory: IndexMemory) throws -> IndexMemory? {
            let blobs = memory.changedStoreEntries()
            let saved = try #require(store).append(blobs.entries, blobs.bytes)
            var out = ByteWriter()
            memory.encodeChanges(into: &out, places: saved.ranges[...])
            changes.append((out.bytes, saved.end))
            var input = ByteReader(whole.bytes)
            guard var read = IndexMemory.decode(&input, store: whole.store), input.isAtEnd else { return nil }
            for change in changes {
                var record = ByteReader(change.bytes)
                guard read.applyChanges(&record, storeEnd: change.storeEnd), record.isAtEnd else { return nil }
            }
            store = RecordStore(path: folder + "/postings", identity: saved.identity, end: saved.end)
            read.use(try #require(store))
            return read
        }

        func remove() { FileSystem.removeTree(folder) }
    }

    /// A rebuild saves what it changed in the memory it read, not the whole memory: read back
    /// as the whole memory with each build's changes put into it, it is the memory saved.
    @Test func aMemoryReadBackWithItsChangesIsTheOneSaved() throws {
        var cache = Cache()
        defer { cache.remove() }
        let original = SearchIndexTests.documents
        let first = try #require(SearchIndex.build(IndexInputs(original, synonyms: Self.synonyms), previous: nil).memory)
        #expect(!first.savesAsChanges, "a memory made from every page's terms")
        var memory = try #require(try cache.readBack(first))
        var documents = original
        let steps: [(String, [SearchDocument])] = [
            ("a page's text with new terms", Self.withTerms(original, page: 7, title: "新的問題", text: "全新的詞語 quokka 與訂金退還")),
            ("another page's text with new terms", Self.withTerms(Self.withTerms(original, page: 7, title: "新的問題", text: "全新的詞語 quokka 與訂金退還"),
                                                                   page: 12, title: "車位", text: "車位租約 wombat 交屋")),
            ("the first page as it was", Self.withTerms(original, page: 12, title: "車位", text: "車位租約 wombat 交屋")),
        ]
        for (step, changed) in steps {
            let previous = IndexMemory.Previous(memory: memory, terms: documents.map(\.terms))
            let updated = try #require(SearchIndex.build(IndexInputs(changed, synonyms: Self.synonyms), previous: previous,
                                                         leavingOutUnchanged: true).memory)
            #expect(updated.savesAsChanges, "\(step)")
            let readBack = try #require(try cache.readBackWithChanges(updated), "\(step)")
            let same = try encoded(readBack) == encoded(updated)
            #expect(same, "\(step): the memory read back with its changes is not the one saved")
            memory = readBack
            documents = changed
        }
        #expect(cache.changes.count == steps.count)

        // Changes cut short, or naming records past the store's end, are not put in.
        var input = ByteReader(cache.whole.bytes)
        let base = try #require(IndexMemory.decode(&input, store: cache.whole.store))
        let last = try #require(cache.changes.first)
        var cut = base, beyond = base
        var shortRecord = ByteReader(Array(last.bytes.prefix(last.bytes.count / 2)))
        #expect(!cut.applyChanges(&shortRecord, storeEnd: last.storeEnd))
        var record = ByteReader(last.bytes)
        #expect(!beyond.applyChanges(&record, storeEnd: RecordStore.headerSize))

        // A page so long that the average length moves changes every term: saved whole.
        let long = Self.withTerms(documents, page: 9, title: "長頁", text: String(repeating: "車位交屋驗收的細節。parking ", count: 300))
        let rescaled = SearchIndex.build(IndexInputs(long, synonyms: Self.synonyms),
                                         previous: .init(memory: memory, terms: documents.map(\.terms)), leavingOutUnchanged: true).memory
        #expect(rescaled?.savesAsChanges == false)
    }

    /// The average length is rounded so that an edit to one page of many leaves it, and the
    /// other terms' scores, as they were.
    @Test func theAverageLengthMovesOnlyWithLargeChanges() {
        let original = SearchIndexTests.documents
        let edited = Self.withTerms(original, page: 7, title: "新的問題", text: "全新的詞語 quokka 與訂金退還")
        #expect(Scoring(original).averageLength == Scoring(edited).averageLength)
        let long = Self.withTerms(original, page: 9, title: "長頁", text: String(repeating: "車位交屋驗收。", count: 2000))
        #expect(Scoring(original).averageLength < Scoring(long).averageLength)
    }

    @Test func pagesAddedOrMovedAreIndexedFromEveryPage() throws {
        let original = SearchIndexTests.documents
        let memory = try #require(SearchIndex.build(IndexInputs(original, synonyms: Self.synonyms), previous: nil).memory)
        var added = original
        added.insert(SearchDocument(title: "新頁", url: "/faq/new/", place: "常見問題", reply: nil, boost: 1,
                                    terms: PageTerms(title: "新頁", synonyms: [], reply: nil, sections: [])), at: 3)
        let moved = Array(original.reversed())
        for (step, changed, terms) in [("a page added", added, original.map(\.terms) + [nil]), ("pages reordered", moved, original.map(\.terms))] {
            let inputs = IndexInputs(changed, synonyms: Self.synonyms)
            let previous = IndexMemory.Previous(memory: memory, terms: terms.map { $0 })
            #expect(IndexMemory(updating: previous, inputs: inputs, scoring: Scoring(changed)) == nil)
            expectSameFiles(SearchIndex.build(inputs, previous: previous, leavingOutUnchanged: true).files.map { ($0.path, $0.bytes ?? []) },
                            SearchIndex.build(changed, synonyms: Self.synonyms), step)
        }
    }

    /// Terms that are not the ones the memory was made from cannot be taken out of it.
    @Test func aMemoryOfOtherTermsIsNotUsed() throws {
        let original = SearchIndexTests.documents
        let memory = try #require(SearchIndex.build(IndexInputs(original, synonyms: Self.synonyms), previous: nil).memory)
        let changed = Self.withTerms(original, page: 7, title: "新的問題", text: "全新的詞語")
        let wrong = Self.withTerms(original, page: 7, title: "別的", text: "別的詞語")
        let inputs = IndexInputs(changed, synonyms: Self.synonyms)
        #expect(IndexMemory(updating: .init(memory: memory, terms: wrong.map(\.terms)), inputs: inputs,
                            scoring: Scoring(changed)) == nil)
        #expect(IndexMemory(updating: .init(memory: memory, terms: original.map { _ in nil }), inputs: inputs,
                            scoring: Scoring(changed)) == nil)
    }

    @Test func aMemoryReadsBackAsItWasWritten() throws {
        let original = SearchIndexTests.documents
        let memory = try #require(SearchIndex.build(IndexInputs(original, synonyms: Self.synonyms), previous: nil).memory)
        let bytes = try encoded(memory)
        var input = ByteReader(bytes)
        let read = try #require(IndexMemory.decode(&input))
        #expect(input.isAtEnd)
        #expect(try encoded(read) == bytes)
        var damaged = ByteReader(Array(bytes.prefix(bytes.count / 2)))
        #expect(IndexMemory.decode(&damaged) == nil)

        // Through the store: the same memory, whose bytes are read as they are needed.
        var cache = Cache()
        defer { cache.remove() }
        let readBack = try cache.readBack(memory)
        let stored = try #require(readBack)
        #expect(try encoded(stored) == bytes)
        // A memory that names its bytes in a store is not read without it.
        var named = ByteWriter()
        try stored.encode(into: &named, places: stored.storeEntries().entries.indices.map { $0..<$0 }[...]) { _ in }
        var withoutStore = ByteReader(named.bytes)
        #expect(IndexMemory.decode(&withoutStore) == nil)
    }

    /// Bytes of the store changed under the memory are found out, never used.
    @Test func aStoreChangedUnderTheMemoryIsFoundOut() throws {
        let original = SearchIndexTests.documents
        let memory = try #require(SearchIndex.build(IndexInputs(original, synonyms: Self.synonyms), previous: nil).memory)
        var cache = Cache()
        defer { cache.remove() }
        let readBack = try cache.readBack(memory)
        var stored = try #require(readBack)
        let store = try #require(cache.store)
        // Changed in place, as the memory's file.
        let descriptor = open(cache.folder + "/postings", O_WRONLY)
        #expect(descriptor >= 0)
        let garbage = [UInt8](repeating: 0x5A, count: store.end - 16)
        #expect(garbage.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, $0.count, 16) } == garbage.count)
        close(descriptor)
        #expect(store.damaged == nil)
        _ = stored.files(synonyms: Self.synonyms, leavingOutUnchanged: false)
        #expect(store.damaged != nil)
    }
}
