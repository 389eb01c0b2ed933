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

// MARK: - Kept for the next build

extension SiteModel {
    /// Two keys of a site's pages, worked out together in one pass over them.
    struct Keys: Sendable, Equatable {
        /// Where each page is: its file and its URL. Every output shares it (`RenderKeys.shared`).
        var places: UInt64
        /// What the model is made from: the places, each page's kind and section, and its
        /// front matter by the hash of its text (for a page made in code, which has none, by
        /// the fields the lists read). Pages of one shape make one model: a rebuild whose
        /// pages changed only below their front matter takes the lists from the last build
        /// (`init(pages:restoring:)`) rather than sorting and grouping every page again.
        var shape: UInt64
    }

    static func keys(of pages: [Page]) -> Keys {
        let run = 1024
        let parts = parallelMap(Array(stride(from: 0, to: pages.count, by: run))) { first -> Keys in
            var places = StableHasher(), shape = StableHasher()
            for page in pages[first..<min(first + run, pages.count)] {
                places.combine(page.sourcePath)
                places.combine(page.urlPath)
                switch page.kind {
                case .home: shape.combine(1)
                case .section: shape.combine(2)
                case .page: shape.combine(3)
                }
                shape.combine(page.sectionPath)
                shape.combine(page.bundleDirectory)
                shape.combine(page.frontMatterHash)
                if page.frontMatterHash == 0 {
                    shape.combine(page.frontMatter.title)
                    shape.combine(page.frontMatter.weight)
                    shape.combine(page.updated?.secondsSinceEpoch ?? Int.min)
                    shape.combine(page.frontMatter.tags.count)
                    for tag in page.frontMatter.tags { shape.combine(tag) }
                }
            }
            return Keys(places: places.value, shape: shape.value)
        }
        var places = StableHasher(), shape = StableHasher()
        places.combine(pages.count)
        for part in parts { places.combine(part.places) }
        shape.combine(places.value)
        for part in parts { shape.combine(part.shape) }
        return Keys(places: places.value, shape: shape.value)
    }

    /// Everything but the pages, for the build cache (`init(pages:restoring:)` reads it back).
    func encodeLists(into out: inout ByteWriter) {
        func texts(_ values: [String]) {
            out.integer(values.count)
            for value in values { out.text(value) }
        }
        out.column(listRank)
        texts(sectionFolders)
        out.column(sectionOfPage)
        out.column(pageTags)
        out.column(pageTagStarts)
        out.column(tagRepeatsPages.map { $0 ? 1 : 0 as UInt8 })
        out.integer(tags.count)
        for tag in tags {
            out.text(tag.name)
            out.text(tag.outputPath)
            out.column(tag.pageIndices)
        }
        // Tables as the reader's `table` reads them: a count, then each key and its value.
        func table<Value>(_ entries: [String: Value], _ write: (Value) -> Void) {
            out.integer(entries.count)
            for (key, value) in entries {
                out.text(key)
                write(value)
            }
        }
        table(tagsBySlug) { out.integer($0) }
        table(sectionIndex) { out.integer($0) }
        table(pagesInSection) { out.column($0) }
        table(childSections, texts)
    }

    /// The model of `pages` with the lists (`encodeLists`) a build made of pages of the same
    /// shape (`Keys.shape`); nil where the bytes do not read back as lists of as many pages.
    init?(pages: [Page], restoring bytes: SharedBytes, range: Range<Int>) {
        var input = ByteReader(bytes, range: range)
        let count = pages.count
        func texts() -> [String]? {
            guard let number = input.count(limit: input.remaining) else { return nil }
            var values: [String] = []
            for _ in 0..<number {
                guard let value = input.text() else { return nil }
                values.append(value)
            }
            return values
        }
        func indices(below bound: Int) -> [Int]? {
            input.column(of: Int.self).flatMap { $0.allSatisfy { 0 <= $0 && $0 < bound } ? $0 : nil }
        }
        guard let listRank = indices(below: count), listRank.count == count,
              let folders = texts(), let sectionOfPage = indices(below: folders.count), sectionOfPage.count == count,
              let pageTags = input.column(of: Int.self), let pageTagStarts = indices(below: pageTags.count + 1),
              pageTagStarts.count == count + 1, pageTagStarts.first == 0, pageTagStarts.last == pageTags.count,
              zip(pageTagStarts, pageTagStarts.dropFirst()).allSatisfy({ $0 <= $1 }),
              let repeats = input.column(of: UInt8.self), let tagCount = input.count(limit: input.remaining),
              repeats.count == tagCount, pageTags.allSatisfy({ 0 <= $0 && $0 < tagCount }) else { return nil }
        var tags: [Tag] = []
        for _ in 0..<tagCount {
            guard let name = input.text(), let outputPath = input.text(), let members = indices(below: count) else { return nil }
            tags.append(Tag(name: name, outputPath: outputPath, pageIndices: members))
        }
        func table<Value>(_ value: () -> Value?) -> [String: Value]? {
            guard let number = input.count(limit: input.remaining) else { return nil }
            var entries: [String: Value] = [:]
            for _ in 0..<number {
                guard let key = input.text(), let entry = value() else { return nil }
                entries[key] = entry
            }
            return entries
        }
        func index(below bound: Int) -> Int? { input.integer().flatMap { 0 <= $0 && $0 < bound ? Int($0) : nil } }
        guard let tagsBySlug = table({ index(below: tagCount) }), let sectionIndex = table({ index(below: count) }),
              let pagesInSection = table({ indices(below: count) }), let childSections = table(texts), input.isAtEnd else { return nil }
        self.pages = pages
        (self.listRank, self.sectionOfPage, self.sectionFolders) = (listRank, sectionOfPage, folders)
        (self.pageTags, self.pageTagStarts, self.tagRepeatsPages) = (pageTags, pageTagStarts, repeats.map { $0 != 0 })
        (self.tags, self.tagsBySlug) = (tags, tagsBySlug)
        (self.sectionIndex, self.pagesInSection, self.childSections) = (sectionIndex, pagesInSection, childSections)
    }
}
