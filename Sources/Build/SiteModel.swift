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
    /// worked out for every FAQ entry of the site (`related`), with integers only. One list for
    /// the whole site, page after page: not ten thousand small arrays.
    private let pageTags: [Int]
    /// Where each page's tags start in `pageTags`, and after the last page, where they end.
    private let pageTagStarts: [Int]
    /// Each page's section (its `sectionPath`) by a number, and each number's folder: what
    /// depends only on where a page stands is worked out once per section.
    let sectionOfPage: [Int]
    let sectionFolders: [String]
    /// Whether a tag lists a page twice (two of its tags make one slug).
    private let tagRepeatsPages: [Bool]
    let tagsOutputPath = "tags/"

    init(pages: [Page]) {
        self.pages = pages
        // What the lists need of each page is gathered on every core into one array: each
        // page's fields sit in a box of their own, and reading them in listing order, page by
        // page, waits on memory more than it computes.
        let facts = parallelMap(Array(pages.indices)) { index in
            let page = pages[index]
            return Facts(listing: ListingKey(weight: page.frontMatter.weight == 0 ? Int.max : page.frontMatter.weight,
                                             date: page.updated?.secondsSinceEpoch ?? Int.min,
                                             title: page.title, path: page.sourcePath),
                         kind: page.kind, sectionPath: page.sectionPath,
                         folder: page.kind == .section ? page.sourceDirectory : "", tags: page.frontMatter.tags)
        }
        // One sort of the whole site by listing order; every list then compares ranks.
        let sorted = pages.indices.sorted { facts[$0].listing.sortsBefore(facts[$1].listing) }
        var rank = Array(repeating: 0, count: pages.count)
        for (position, index) in sorted.enumerated() { rank[index] = position }
        self.listRank = rank
        var sectionIndex: [String: Int] = [:]
        for index in pages.indices where facts[index].kind != .page { sectionIndex[facts[index].folder] = index }
        self.sectionIndex = sectionIndex
        // Folders and tag names are looked up by their bytes, once for each page: `String`'s
        // own hashing normalizes every Chinese character of them.
        var sectionNumbers: [UTF8Key: Int] = [:]
        var folders: [String] = []
        // Pages come folder by folder: most are in the last page's section.
        var last: (folder: UTF8Key, number: Int)?
        sectionOfPage = pages.indices.map { index in
            let folder = UTF8Key(facts[index].sectionPath)
            if let last, last.folder == folder { return last.number }
            let number = sectionNumbers[folder] ?? folders.count
            if number == folders.count {
                sectionNumbers[folder] = number
                folders.append(folder.text)
            }
            last = (folder, number)
            return number
        }
        sectionFolders = folders
        // Every list is made in listing order, walking the pages once in that order.
        var members = [[Int]](repeating: [], count: folders.count)
        var children = [[String]](repeating: [], count: folders.count)
        for index in sorted {
            switch facts[index].kind {
            case .page: members[sectionOfPage[index]].append(index)
            case .section: children[sectionOfPage[index]].append(facts[index].folder)
            case .home: break
            }
        }
        // Two folders whose names differ only in their normal form are one section to `String`.
        func byFolder<T>(_ lists: [[T]], merging: @escaping ([T], [T]) -> [T]) -> [String: [T]] {
            Dictionary(zip(folders, lists).filter { !$0.1.isEmpty }, uniquingKeysWith: merging)
        }
        self.pagesInSection = byFolder(members) { ($0 + $1).sorted { rank[$0] < rank[$1] } }
        self.childSections = byFolder(children) { $0 + $1 }
        // A tag is named as the first page by path spells it; each page's tags by slug, for
        // its related pages (an empty name too, as they look it up). Each spelling's slug is
        // worked out once.
        var spellings: [UTF8Key: Int] = [:]
        var slugOfSpelling: [Int] = []
        var slugNumbers: [String: Int] = [:]
        var slugs: [(slug: String, name: String?, size: Int)] = []
        // Each page's slugs, page after page; a slug two of a page's tags make (two spellings
        // of one name) lists the page twice.
        var pageSlugs: [Int] = []
        var slugStarts = [0]
        slugStarts.reserveCapacity(pages.count + 1)
        var slugRepeatsPages: [Bool] = []
        func spelling(of name: String) -> Int {
            if let known = spellings[UTF8Key(name)] { return known }
            let slug = Slug.make(name)
            let number = slugNumbers[slug] ?? slugs.count
            if number == slugs.count {
                slugNumbers[slug] = number
                slugs.append((slug, nil, 0))
                slugRepeatsPages.append(false)
            }
            spellings[UTF8Key(name)] = slugOfSpelling.count
            slugOfSpelling.append(number)
            return slugOfSpelling.count - 1
        }
        for index in pages.indices {
            let names = facts[index].tags
            let start = pageSlugs.count
            for (position, name) in names.enumerated() where !names[..<position].contains(name) {
                let slug = slugOfSpelling[spelling(of: name)]
                if pageSlugs[start...].contains(slug) { slugRepeatsPages[slug] = true }
                pageSlugs.append(slug)
                guard !name.isEmpty else { continue }
                if slugs[slug].name == nil { slugs[slug].name = name }
                slugs[slug].size += 1
            }
            slugStarts.append(pageSlugs.count)
        }
        let named = slugs.indices.filter { slugs[$0].name != nil }.sorted {
            slugs[$0].size != slugs[$1].size ? slugs[$0].size > slugs[$1].size : slugs[$0].name! < slugs[$1].name!
        }
        var tags = named.map { Tag(name: slugs[$0].name!, outputPath: "tags/\(slugs[$0].slug.isEmpty ? "tag" : slugs[$0].slug)/", pageIndices: []) }
        self.tagsBySlug = Dictionary(uniqueKeysWithValues: named.enumerated().map { (slugs[$1].slug, $0) })
        var tagOfSlug = [Int?](repeating: nil, count: slugs.count)
        for (tag, slug) in named.enumerated() { tagOfSlug[slug] = tag }
        // The same lists by tag: a slug of an empty name is no tag.
        var pageTags: [Int] = []
        pageTags.reserveCapacity(pageSlugs.count)
        var pageTagStarts = [0]
        pageTagStarts.reserveCapacity(pages.count + 1)
        for index in pages.indices {
            for slug in pageSlugs[slugStarts[index]..<slugStarts[index + 1]] { if let tag = tagOfSlug[slug] { pageTags.append(tag) } }
            pageTagStarts.append(pageTags.count)
        }
        for index in sorted {
            for tag in pageTags[pageTagStarts[index]..<pageTagStarts[index + 1]] { tags[tag].pageIndices.append(index) }
        }
        self.tags = tags
        (self.pageTags, self.pageTagStarts) = (pageTags, pageTagStarts)
        tagRepeatsPages = named.map { slugRepeatsPages[$0] }
    }

    /// What the site's lists need of one page.
    struct Facts: Sendable {
        var listing: ListingKey
        var kind: Page.Kind
        var sectionPath: String
        /// A section's own folder.
        var folder: String
        var tags: [String]
    }

    /// What a page is listed by: explicit weight first (1, 2, …), then newest first, then
    /// by title, then by path. Titles and paths compare as UTF-8 bytes, that is by code point:
    /// the order of String's own comparison for text in NFC (as typed text is), at the cost of
    /// comparing memory.
    struct ListingKey: Sendable {
        var weight: Int
        var date: Int
        /// The title's first eight bytes, the first the most significant (zero where it is
        /// shorter): most titles differ there, and two numbers compare faster than two texts.
        var titleStart: UInt64
        var title: String
        var path: String

        init(weight: Int, date: Int, title: String, path: String) {
            (self.weight, self.date, self.title, self.path) = (weight, date, title, path)
            var title = title
            titleStart = title.withUTF8 { $0.bigEndianWord(from: 0) }
        }

        func sortsBefore(_ other: ListingKey) -> Bool {
            if weight != other.weight { return weight < other.weight }
            if date != other.date { return date > other.date }
            if titleStart != other.titleStart { return titleStart < other.titleStart }
            let byTitle = SiteModel.compare(title, other.title)
            return byTitle != 0 ? byTitle < 0 : SiteModel.compare(path, other.path) < 0
        }
    }

    /// Negative, zero or positive as `left` sorts before, with or after `right`, byte by byte.
    static func compare(_ left: String, _ right: String) -> Int {
        var left = left, right = right
        return left.withUTF8 { left in
            right.withUTF8 { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : Int(memcmp(left.baseAddress!, right.baseAddress!, common))
                return order != 0 ? order : left.count - right.count
            }
        }
    }

    /// The section folders above a page, outermost first (home is "").
    func ancestors(of page: Page) -> [String] {
        page.kind == .home ? [] : ancestors(ofSection: page.sectionPath)
    }

    /// `folder` and the section folders above it, outermost first (home is "").
    func ancestors(ofSection folder: String) -> [String] {
        var chain: [String] = []
        var folder: String? = folder
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
        let pageTags = self.pageTags[pageTagStarts[index]..<pageTagStarts[index + 1]]
        let section = sectionOfPage[index]
        if pageTags.count == 1 && !tagRepeatsPages[pageTags.first!] {
            // One tag (most pages): its pages share one tag each and come in listing order, so
            // those of the same section come first, then the others, each in that order.
            var sameSection: [Int] = [], others: [Int] = []
            for other in tags[pageTags.first!].pageIndices.prefix(200) where other != index {
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
