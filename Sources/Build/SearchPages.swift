import DeskbookSupport
import Search

/// What a tree's search index needs of its pages besides this build's terms: which pages it
/// holds (all but the home page), what each shows in a result, and the terms each had in the
/// last build. Gathered before the pages render, on another core: after an edit of one page
/// the index is updated as soon as that page's terms are known.
struct SearchPages: Sendable {
    /// Page indices, in the index's order.
    let searched: [Int]
    /// Each searched page's title, URL, place and reply; its terms are added by `documents`.
    private var headings: [SearchDocument]
    /// The terms each searched page had in the last build's cache (`IndexMemory.Previous`).
    let cachedTerms: [PageTerms?]

    init(model: SiteModel, urls: [String], cachedPages: [BuildState.MarkdownEntry?]) {
        let searched = model.pages.indices.filter { model.pages[$0].kind != .home }
        self.searched = searched
        // Every page of a section stands in the same place.
        let placeOfSection = model.sectionFolders.map { folder in
            model.ancestors(ofSection: folder).dropFirst().compactMap { model.sectionIndex[$0].map { model.pages[$0].title } }
                .joined(separator: " › ")
        }
        let noTerms = PageTerms(excerpts: [], encoded: [])
        headings = parallelMap(searched) { index -> SearchDocument in
            let page = model.pages[index]
            let reply = page.frontMatter.reply?.scalar
            return SearchDocument(title: page.title, url: urls[index], place: placeOfSection[model.sectionOfPage[index]],
                                  reply: reply, boost: reply == nil ? 1 : 1.6, terms: noTerms)
        }
        cachedTerms = searched.map { cachedPages[$0]?.digest.terms }
    }

    /// The documents, each with its page's terms as this build's `digests` hold them. Made
    /// once: the headings are filled in where they are, not copied.
    mutating func documents(digests: [PageDigest]) -> [SearchDocument] {
        var documents: [SearchDocument] = []
        swap(&documents, &headings)
        for (position, index) in searched.enumerated() { documents[position].terms = digests[index].terms }
        return documents
    }
}
