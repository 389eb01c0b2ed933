import Content
import DeskbookSupport
#if canImport(Glibc)
import Glibc
#endif

/// The shape of the site once every page has its URL: which pages a section holds, which
/// sections the navigation shows, which pages carry which tag. Read-only after it is made.
struct SiteModel: Sendable {
    struct Tag: Sendable {
        var name: String
        var outputPath: String
        var pageIndices: [Int]
    }

    let pages: [Page]
    /// Section folder ("" for home) -> index of its `_index.md` page.
    let sectionIndex: [String: Int]
    /// Section folder -> indices of its pages, sorted for listing.
    let pagesInSection: [String: [Int]]
    /// Section folder -> its child section folders, sorted.
    let childSections: [String: [String]]
    let tags: [Tag]
    /// Each page's position in listing order over the whole site — explicit weight first
    /// (1, 2, …), then newest first, then by title — so lists compare two integers.
    let listRank: [Int]
    /// Tag slug -> index in `tags`.
    let tagsBySlug: [String: Int]
    /// Each page's tags, by index in `tags`, and its section, by a number: related pages are
    /// worked out for every FAQ entry of the site (`related`), with integers only.
    private let tagsOfPage: [[Int]]
    private let sectionOfPage: [Int]
    /// Whether a tag lists a page twice (two of its tags make one slug).
    private let tagRepeatsPages: [Bool]
    let tagsOutputPath = "tags/"

    init(pages: [Page]) {
        self.pages = pages
        // Pages are read by position throughout: a page is a large value to copy.
        var sectionIndex: [String: Int] = [:]
        for index in pages.indices where pages[index].kind != .page {
            sectionIndex[pages[index].kind == .home ? "" : pages[index].sourceDirectory] = index
        }
        self.sectionIndex = sectionIndex
        // One sort of the whole site by listing order; every list then compares ranks. Titles
        // and paths compare as UTF-8 bytes, that is by code point: the order of String's own
        // comparison for text in NFC (as typed text is), at the cost of comparing memory.
        let weights = pages.indices.map { pages[$0].frontMatter.weight == 0 ? Int.max : pages[$0].frontMatter.weight }
        let dates = pages.indices.map { pages[$0].updated?.secondsSinceEpoch ?? Int.min }
        let titles = pages.indices.map { Array(pages[$0].title.utf8) }
        let paths = pages.indices.map { Array(pages[$0].sourcePath.utf8) }
        var rank = Array(repeating: 0, count: pages.count)
        let sorted = pages.indices.sorted { lhs, rhs in
            if weights[lhs] != weights[rhs] { return weights[lhs] < weights[rhs] }
            if dates[lhs] != dates[rhs] { return dates[lhs] > dates[rhs] }
            let byTitle = Self.compare(titles[lhs], titles[rhs])
            return byTitle != 0 ? byTitle < 0 : Self.compare(paths[lhs], paths[rhs]) < 0
        }
        for (position, index) in sorted.enumerated() { rank[index] = position }
        self.listRank = rank
        // Every list is made in listing order, walking the pages once in that order.
        var members: [String: [Int]] = [:]
        var children: [String: [String]] = [:]
        for index in sorted {
            switch pages[index].kind {
            case .page: members[pages[index].sectionPath, default: []].append(index)
            case .section: children[pages[index].sectionPath, default: []].append(pages[index].sourceDirectory)
            case .home: break
            }
        }
        self.pagesInSection = members
        self.childSections = children
        // A tag is named as the first page by path spells it; each page's tags by slug, for
        // its related pages (an empty name too, as they look it up).
        var byTag: [String: Tag] = [:]
        var slugsOfPage = [[String]](repeating: [], count: pages.count)
        var tagSizes: [String: Int] = [:]
        for index in pages.indices {
            let names = pages[index].frontMatter.tags
            for (position, name) in names.enumerated() where !names[..<position].contains(name) {
                let slug = Slug.make(name)
                slugsOfPage[index].append(slug)
                guard !name.isEmpty else { continue }
                if byTag[slug] == nil { byTag[slug] = Tag(name: name, outputPath: "tags/\(slug.isEmpty ? "tag" : slug)/", pageIndices: []) }
                tagSizes[slug, default: 0] += 1
            }
        }
        var tags = byTag.map { slug, tag in (tag, size: tagSizes[slug]!) }.sorted {
            $0.size != $1.size ? $0.size > $1.size : $0.0.name < $1.0.name
        }.map(\.0)
        self.tagsBySlug = Dictionary(uniqueKeysWithValues: tags.enumerated().map { (Slug.make($1.name), $0) })
        let tagsBySlug = self.tagsBySlug
        tagsOfPage = slugsOfPage.map { $0.compactMap { tagsBySlug[$0] } }
        for index in sorted {
            for tag in tagsOfPage[index] { tags[tag].pageIndices.append(index) }
        }
        self.tags = tags
        var sectionNumbers: [String: Int] = [:]
        sectionOfPage = pages.indices.map { index in
            let folder = pages[index].sectionPath
            if let number = sectionNumbers[folder] { return number }
            sectionNumbers[folder] = sectionNumbers.count
            return sectionNumbers.count - 1
        }
        tagRepeatsPages = tags.map { Set($0.pageIndices).count != $0.pageIndices.count }
    }

    /// Negative, zero or positive as `left` sorts before, with or after `right`, byte by byte.
    static func compare(_ left: [UInt8], _ right: [UInt8]) -> Int {
        left.withUnsafeBytes { left in
            right.withUnsafeBytes { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : Int(memcmp(left.baseAddress!, right.baseAddress!, common))
                return order != 0 ? order : left.count - right.count
            }
        }
    }

    /// The section folders above a page, outermost first (home is "").
    func ancestors(of page: Page) -> [String] {
        var chain: [String] = []
        var folder: String? = page.kind == .page ? page.sectionPath : (page.kind == .home ? nil : page.sectionPath)
        while let current = folder {
            chain.insert(current, at: 0)
            if current.isEmpty { break }
            folder = sectionIndex[current].map { pages[$0].sectionPath } ?? ""
        }
        return chain
    }

    /// Every page below a section folder, at any depth.
    func pageCount(under folder: String) -> Int {
        (pagesInSection[folder]?.count ?? 0) + (childSections[folder] ?? []).reduce(0) { $0 + pageCount(under: $1) }
    }

    /// Pages that share tags with a page, most shared tags first, then same section, then
    /// newest. Only the first pages of each tag are considered, so a tag on thousands of
    /// pages does not make every page compare itself with all of them.
    func related(to index: Int, limit: Int) -> [Int] {
        let pageTags = tagsOfPage[index]
        let section = sectionOfPage[index]
        if pageTags.count == 1 && !tagRepeatsPages[pageTags[0]] {
            // One tag (most pages): its pages share one tag each and come in listing order, so
            // those of the same section come first, then the others, each in that order.
            var sameSection: [Int] = [], others: [Int] = []
            for other in tags[pageTags[0]].pageIndices.prefix(200) where other != index {
                if sectionOfPage[other] == section {
                    if sameSection.count < limit { sameSection.append(other) }
                } else if others.count < limit {
                    others.append(other)
                }
            }
            return Array((sameSection + others).prefix(limit))
        }
        var shared: [Int: Int] = [:]
        for tag in pageTags {
            for other in tags[tag].pageIndices.prefix(200) where other != index { shared[other, default: 0] += 1 }
        }
        // Integers only in the comparison: this runs for every page.
        let ranked = shared.map { other, count in (other, count, sectionOfPage[other] == section ? 0 : 1, listRank[other]) }
        return ranked.sorted { lhs, rhs in
            if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
            if lhs.2 != rhs.2 { return lhs.2 < rhs.2 }
            return lhs.3 < rhs.3
        }.prefix(limit).map(\.0)
    }

    /// Output paths of every generated page other than content pages, for link checking.
    var generatedOutputs: [String] { [tagsOutputPath] + tags.map(\.outputPath) }
}

extension Page {
    /// When the page last changed, as its author says: `lastmod`, else `date`.
    var updated: CalendarDate? { frontMatter.lastmod ?? frontMatter.date }
}
