import DeskbookSupport
import Testing
@testable import Search

/// A page's terms and excerpts are stored once: a page whose record the store holds already,
/// its own or another page's with the same terms, points to it, after an edit of one page as
/// after a change that rendered every page again.
@Suite struct PageTermsStoreTests {
    static func terms(_ title: String, _ text: String) -> PageTerms {
        PageTerms(title: title, synonyms: [], reply: nil, sections: [.init(anchor: "", heading: "", text: text)])
    }

    static func describe(_ entry: RecordStore.Entry) -> String {
        switch entry {
        case .stored(let range): "stored \(range)"
        case .new: "new"
        case .same(let earlier): "same as \(earlier)"
        }
    }

    @Test(arguments: [1, 20])
    func aPageWhoseTermsAreStoredAlreadyIsNotStoredAgain(freshPages: Int) throws {
        let folder = temporaryFolder()
        defer { FileSystem.removeTree(folder) }
        let held = (0..<50).map { Self.terms("問題\($0)", "車位 \($0) 訂金退還") }
        let saved = try RecordStore.save(PageTerms.storeEntries(held, in: nil), to: folder + "/terms", previous: nil) { held[$0].record()[...] }
        let store = try #require(RecordStore(path: folder + "/terms", identity: saved.identity, end: saved.end))
        let stored = zip(held, saved.ranges).map {
            PageTerms(stored: store, range: $1, hash: $0.hash, excerptsHash: $0.excerptsHash, length: $0.length, encodedCount: $0.encodedCount)
        }
        var pages = stored
        // Made again with the terms of a page the store holds (moved, or rendered again).
        for page in 0..<freshPages { pages[page] = held[49 - page] }
        // Two pages of new terms, the same.
        let new = Self.terms("新問題", "交屋驗收")
        (pages[25], pages[26]) = (new, new)

        let entries = PageTerms.storeEntries(pages, in: store).map(Self.describe)
        for page in 0..<freshPages {
            #expect(entries[page] == "stored \(saved.ranges[49 - page])", "page \(page) of \(freshPages) made again")
        }
        for page in (freshPages..<50) where page != 25 && page != 26 {
            #expect(entries[page] == "stored \(saved.ranges[page])")
        }
        #expect(entries[25] == "new" && entries[26] == "same as 25")
    }
}
