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
}
