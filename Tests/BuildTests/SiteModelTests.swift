import Content
import DeskbookSupport
import Testing
@testable import Build

/// Related FAQ entries: most shared tags first, then those of the same section, then the newest.
@Suite struct SiteModelTests {
    static func page(_ path: String, tags: [String], day: Int) -> Page {
        var matter = FrontMatter()
        matter.tags = tags
        matter.date = CalendarDate(year: 2026, month: 5, day: day)
        let folder = FileSystem.parentPath(path)
        return Page(kind: .page, sourcePath: path + ".md", frontMatter: matter, body: "", bodyLineOffset: 0,
                    urlPath: path + "/", sectionPath: folder, bundleDirectory: nil)
    }

    let model = SiteModel(pages: [
        page("faq/loans/a", tags: ["貸款"], day: 13),
        page("faq/loans/b", tags: ["貸款"], day: 11),
        page("faq/parking/c", tags: ["貸款"], day: 15),
        page("faq/parking/d", tags: ["貸款", "車位"], day: 2),
        page("faq/loans/e", tags: ["貸款", "車位"], day: 1),
        page("faq/loans/f", tags: [], day: 20),
    ])

    func related(_ index: Int, limit: Int = 5) -> [String] {
        model.related(to: index, limit: limit).map { model.pages[$0].urlPath }
    }

    @Test func aPageWithOneTagListsItsSectionFirstThenTheNewest() {
        #expect(related(0) == ["faq/loans/b/", "faq/loans/e/", "faq/parking/c/", "faq/parking/d/"])
        #expect(related(0, limit: 2) == ["faq/loans/b/", "faq/loans/e/"])
        #expect(related(2) == ["faq/parking/d/", "faq/loans/a/", "faq/loans/b/", "faq/loans/e/"])
    }

    @Test func pagesSharingMoreTagsComeFirst() {
        #expect(related(3) == ["faq/loans/e/", "faq/parking/c/", "faq/loans/a/", "faq/loans/b/"])
        #expect(related(4, limit: 3) == ["faq/parking/d/", "faq/loans/a/", "faq/loans/b/"])
    }

    @Test func aPageWithoutTagsHasNoRelatedPages() {
        #expect(related(5).isEmpty)
    }

    /// A site with sections below sections, for the lists a build keeps for the next one.
    static func sections() -> [Page] {
        func section(_ folder: String, _ title: String, in parent: String) -> Page {
            var matter = FrontMatter()
            matter.title = title
            return Page(kind: folder.isEmpty ? .home : .section, sourcePath: folder.isEmpty ? "_index.md" : folder + "/_index.md",
                        frontMatter: matter, body: "", bodyLineOffset: 0, urlPath: folder.isEmpty ? "" : folder + "/",
                        sectionPath: parent, bundleDirectory: nil)
        }
        return [section("", "首頁", in: ""), section("faq", "常見問題", in: ""), section("faq/loans", "貸款", in: "faq"),
                page("faq/loans/a", tags: ["貸款"], day: 13), page("faq/loans/b", tags: ["貸款", "車位"], day: 11),
                page("faq/c", tags: ["車位"], day: 15), page("faq/d", tags: [], day: 2)]
    }

    @Test func theListsReadBackAsTheyWereMade() throws {
        let model = SiteModel(pages: Self.sections())
        var out = ByteWriter()
        model.encodeLists(into: &out)
        let bytes = out.bytes
        let restored = try #require(SiteModel(pages: model.pages, restoring: SharedBytes(bytes), range: 0..<bytes.count))
        #expect(restored.listRank == model.listRank)
        #expect(restored.sectionIndex == model.sectionIndex && restored.sectionIndex.count == 3)
        #expect(restored.pagesInSection == model.pagesInSection)
        #expect(restored.childSections == model.childSections && restored.childSections["faq"] == ["faq/loans"])
        #expect(restored.sectionOfPage == model.sectionOfPage && restored.sectionFolders == model.sectionFolders)
        #expect(restored.tags.map(\.name) == ["貸款", "車位"] && restored.tags.map(\.name) == model.tags.map(\.name))
        #expect(restored.tags.map(\.outputPath) == model.tags.map(\.outputPath))
        #expect(restored.tags.map(\.pageIndices) == model.tags.map(\.pageIndices))
        #expect(restored.tagsBySlug == model.tagsBySlug)
        for index in model.pages.indices { #expect(restored.related(to: index, limit: 5) == model.related(to: index, limit: 5)) }
        // Bytes cut short, or lists of another number of pages, read as none.
        #expect(SiteModel(pages: model.pages, restoring: SharedBytes(bytes), range: 0..<bytes.count - 1) == nil)
        #expect(SiteModel(pages: Array(model.pages.dropLast()), restoring: SharedBytes(bytes), range: 0..<bytes.count) == nil)
    }

    /// Pages that differ below their front matter have one shape; a title, tag, date or place
    /// makes another. Only a path or URL makes other places.
    @Test func theShapeKeyFollowsWhatTheListsAreMadeOf() {
        let pages = Self.sections()
        let keys = SiteModel.keys(of: pages)
        let key = keys.shape
        var edited = pages
        edited[3].body = "另一段內容"
        #expect(SiteModel.keys(of: edited) == keys)
        func changed(_ change: (inout Page) -> Void) -> UInt64 {
            var pages = pages
            change(&pages[4])
            return SiteModel.keys(of: pages).shape
        }
        var retitled = pages
        retitled[4].frontMatter.title = "新標題"
        #expect(SiteModel.keys(of: retitled).places == keys.places)
        #expect(changed { $0.frontMatter.title = "新標題" } != key)
        #expect(changed { $0.frontMatter.tags = ["貸款"] } != key)
        #expect(changed { $0.frontMatter.date = CalendarDate(year: 2026, month: 6, day: 1) } != key)
        #expect(changed { $0.frontMatter.weight = 3 } != key)
        #expect(changed { $0.sectionPath = "faq" } != key)
        #expect(changed { $0.frontMatterHash = 7 } != key)
        #expect(SiteModel.keys(of: Array(pages.dropLast())).shape != key)
        var moved = pages
        moved[4].urlPath = "faq/loans/b2/"
        #expect(SiteModel.keys(of: moved).places != keys.places && SiteModel.keys(of: moved).shape != key)
    }
}
