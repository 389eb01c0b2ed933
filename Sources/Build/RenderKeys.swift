import Content
import DeskbookData
import DeskbookSupport

/// The cache keys of a build: for each page's Markdown and for each rendered output, one hash
/// of everything it is made from. An output whose key matches the last build's is taken from
/// the last release instead of rendered. Keys over-approximate on purpose (a section's page
/// depends on every page listed anywhere below it): a needless render costs time, a missed
/// input would publish a stale page.
struct RenderKeys: Sendable {
    /// What every output shares: the program, config, theme files, snapshot freshness, the
    /// set of pages and files links resolve against, the navigation.
    let shared: UInt64
    /// Per page: everything its Markdown is rendered from.
    let markdown: [UInt64]
    /// Per page: how it looks as an entry in a list (title, URL, summary, date, front matter).
    let cards: [UInt64]
    /// Hash of every card, in order: for pages that list recent changes anywhere below them.
    let allCards: UInt64
    /// Per section (`SiteModel.sectionOfPage`): the cards of the sections above a page there
    /// and of their child sections, which its navigation shows.
    private let sectionChains: [UInt64]

    /// - Parameters:
    ///   - places: every page's path and URL (`SiteModel.Keys`).
    ///   - environment: the site's config and theme files, and whether each snapshot is stale.
    ///   - snapshots: content hashes of the snapshots, for pages that may query them.
    init(model: SiteModel, places: UInt64, context: PageContext, environment: UInt64, snapshots: [String],
         parameters: [Int: [String: Value]], staticFiles: [(source: String, output: String)], siteDirectory: String) {
        var shared = StableHasher()
        shared.combine(BuildState.toolFingerprint)
        shared.combine(environment)
        shared.combine(places)
        for file in staticFiles {
            shared.combine(file.source)
            shared.combine(file.output)
            shared.combine(FileSystem.size(siteDirectory + "/content/" + file.source) ?? -1)
        }
        for folder in model.childSections[""] ?? [] { shared.combine(model.pages[model.sectionIndex[folder]!].title) }
        for tag in model.tags { shared.combine(tag.outputPath) }
        let sharedValue = shared.value
        self.shared = sharedValue

        var data = StableHasher()
        for hash in snapshots { data.combine(hash) }
        let dataValue = data.value
        self.markdown = parallelMap(Array(model.pages.indices)) { index in
            let page = model.pages[index]
            var hasher = StableHasher()
            hasher.combine(sharedValue)
            hasher.combine(page.sourceHash)
            // The body when not in the file (a page made in code), and what is appended to it
            // (a course's sessions, from the snapshot).
            hasher.combine(page.body)
            hasher.combine(page.appendix)
            hasher.combine(page.urlPath)
            if page.mayHoldDataBlocks { hasher.combine(dataValue) }
            for (name, value) in (parameters[index] ?? [:]).sorted(by: { $0.key < $1.key }) {
                hasher.combine(name)
                hasher.combine(value.typeTag + value.description)
            }
            return hasher.value
        }
        let pageURLs = context.pageURLs
        let cards = parallelMap(Array(model.pages.indices)) { index in
            let page = model.pages[index]
            var hasher = StableHasher()
            hasher.combine(page.frontMatterHash)
            hasher.combine(page.title)
            hasher.combine(pageURLs[index])
            // An FAQ entry's copy button is named after its position.
            if page.frontMatter.reply != nil { hasher.combine(index) }
            return hasher.value
        }
        self.cards = cards
        var all = StableHasher()
        for card in cards { all.combine(card) }
        self.allCards = all.value
        self.sectionChains = model.sectionFolders.map { folder in
            var hasher = StableHasher()
            for ancestor in model.ancestors(ofSection: folder) {
                guard let section = model.sectionIndex[ancestor] else { continue }
                hasher.combine(cards[section])
                for child in model.childSections[ancestor] ?? [] { hasher.combine(cards[model.sectionIndex[child]!]) }
            }
            return hasher.value
        }
    }

    /// The key of one rendered output; mirrors what `PageContext` puts in that output's context.
    func key(_ job: SiteBuilder.RenderJob, model: SiteModel, context: PageContext) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(shared)
        switch job {
        case .content(let index, let number):
            let page = model.pages[index]
            hasher.combine(1)
            hasher.combine(number)
            hasher.combine(markdown[index])
            hasher.combine(cards[index])
            if page.kind != .home { hasher.combine(sectionChains[model.sectionOfPage[index]]) }
            if page.kind == .page && page.frontMatter.reply != nil {
                for other in model.related(to: index, limit: 5) { hasher.combine(cards[other]) }
            }
            if page.kind != .page {
                // Lists, counts, groups and recent changes: anything below it on the site.
                hasher.combine(allCards)
                for child in model.childSections[page.kind == .home ? "" : page.sourceDirectory] ?? [] {
                    hasher.combine(model.pageCount(under: child))
                }
            }
        case .tagsIndex:
            hasher.combine(2)
            for tag in model.tags {
                hasher.combine(tag.name)
                hasher.combine(tag.pageIndices.count)
            }
        case .tag(let tagIndex, let number):
            let tag = model.tags[tagIndex]
            hasher.combine(3)
            hasher.combine(tag.name)
            hasher.combine(number)
            hasher.combine(tag.pageIndices.count)
            for index in tag.pageIndices[context.tagPager(tag).items(number)] { hasher.combine(cards[index]) }
        case .notFound:
            hasher.combine(4)
        case .search:
            hasher.combine(5)
        }
        return hasher.value
    }
}
