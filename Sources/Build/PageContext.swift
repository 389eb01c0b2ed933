import Content
import DeskbookData
import DeskbookSupport
import Theme

/// Builds the values templates see. One instance serves every page of a build; it only reads.
/// What many pages share (the site values, each page's URL and list entry) is worked out once
/// here, since a page appears in several lists (its section, its tags, recent changes).
struct PageContext: Sendable {
    let config: SiteConfig
    let theme: Theme
    let model: SiteModel
    let links: LinkResolver
    /// Public URL of each page, by index.
    let pageURLs: [String]
    /// Values of each page as a list entry, by index.
    let listEntries: ListEntries
    /// When this build started, to judge whether data is stale.
    let buildTime: CalendarDate
    /// `site`, `t`, `assets`: the same for every page.
    nonisolated(unsafe) let shared: [String: Any]
    /// Keys shown as facts above a page's text (course and policy details), in this order.
    static let factKeys = ["course_id", "trainer", "duration", "trainees", "owner", "version", "effective"]

    let recentCache = Memo<String, [Int]>()
    /// Each tag's URL by its name as pages write it: thousands of pages name the same few tags.
    let tagURLs = Memo<String, String>()
    /// Files beside a page bundle's `index.md` (course materials), by bundle folder.
    nonisolated(unsafe) let materials: [String: [[String: Any]]]

    init(config: SiteConfig, theme: Theme, model: SiteModel, links: LinkResolver, buildTime: CalendarDate,
         staticFiles: [(source: String, output: String)] = [], siteDirectory: String = "") {
        self.buildTime = buildTime
        self.config = config
        self.theme = theme
        self.model = model
        self.links = links
        let pageURLs = parallelMap(Array(model.pages.indices)) { links.url(for: model.pages[$0].urlPath) }
        self.pageURLs = pageURLs
        let rendersItems = theme.hasTemplate("list-item")
        self.listEntries = ListEntries(count: model.pages.count) { index -> [String: Any] in
            let page = model.pages[index]
            var item: [String: Any] = ["title": page.title, "url": pageURLs[index]]
            if let summary = page.frontMatter.summary, !summary.isEmpty { item["summary"] = summary }
            if let date = page.updated { item["date"] = ["text": theme.format(date), "iso": date.isoDay] }
            if let reply = page.frontMatter.reply?.scalar, !reply.isEmpty {
                item["reply"] = reply
                item["replyID"] = "reply-\(index)"
            }
            // The `list-item` partial rendered once, as the same page appears in its section's
            // list, its tags' lists, related entries and recent changes.
            if rendersItems { item["html"] = theme.renderHTML("list-item", context: item) }
            return item
        }

        var assets: [String: Any] = [:]
        for (name, path) in theme.assetPaths {
            let key = name.hasSuffix(".css") && name.hasPrefix("style") ? "css"
                : name.hasSuffix(".js") && name.hasPrefix("site") ? "js"
                : name.hasPrefix("icon") ? "icon" : name
            assets[key] = links.url(for: path)
            // Mustache reads dots as nesting, so `logo.png` is `assets.logo_png`.
            assets[name.replacing(".", with: "_")] = links.url(for: path)
        }
        var site: [String: Any] = [
            "title": config.title, "htmlLang": config.language.rawValue, "homeURL": links.url(for: ""),
            "feedURL": links.url(for: "feed.xml"), "sitemapURL": links.url(for: MachineFiles.sitemapPath),
            "tagsURL": links.url(for: model.tagsOutputPath), "baseURL": config.basePath,
            "searchURL": links.url(for: "search/"), "searchIndexURL": links.url(for: "search/"),
        ]
        if let params = config.params { site["params"] = params.templateValue }
        self.shared = ["site": site, "t": theme.strings, "assets": assets]
        var materials: [String: [[String: Any]]] = [:]
        let bundles = Set(model.pages.compactMap(\.bundleDirectory))
        for file in staticFiles {
            guard let bundle = bundles.first(where: { file.source.hasPrefix($0 + "/") }) else { continue }
            let name = String(file.source.dropFirst(bundle.count + 1))
            let size = FileSystem.size(siteDirectory + "/content/" + file.source) ?? 0
            let type = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).uppercased() : ""
            materials[bundle, default: []].append(["name": name, "url": links.url(for: file.output), "type": type,
                                                   "size": PageContext.fileSize(size)])
        }
        self.materials = materials
    }

    /// `1.2 KB`, `3.4 MB`.
    static func fileSize(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KB", "MB", "GB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\((value * 10).rounded() / 10) \(units[unit])"
    }

    func url(_ outputPath: String) -> String { links.url(for: outputPath) }

    /// What every page shares, plus the top navigation with the current section marked and
    /// the page chrome (head links, header, footer) rendered for that section.
    /// `headerSearch` is false on pages that show their own search box (home, search).
    /// Made once for each top-level section (they differ only in which one is current), not
    /// once per page.
    func base(activeURLPath: String, isHome: Bool = false, headerSearch: Bool? = nil) -> [String: Any] {
        let headerSearch = headerSearch ?? !isHome
        let sections = (model.childSections[""] ?? []).map { model.sectionIndex[$0]! }
        let active = sections.first { !activeURLPath.isEmpty && activeURLPath.hasPrefix(model.pages[$0].urlPath) }
        return bases.value(for: BaseKey(active: active ?? -1, isHome: isHome, headerSearch: headerSearch)) {
            var context = shared
            let nav = sections.map { index -> [String: Any] in
                ["title": model.pages[index].title, "url": pageURLs[index], "active": index == active]
            }
            context["nav"] = nav
            context["isHome"] = isHome
            context["chrome"] = chrome(nav: nav, isHome: isHome, headerSearch: headerSearch)
            return Base(values: context)
        }.values
    }

    struct BaseKey: Hashable, Sendable {
        let active: Int
        let isHome, headerSearch: Bool
    }

    struct Base: @unchecked Sendable {
        let values: [String: Any]
    }

    let bases = Memo<BaseKey, Base>()

    /// The `head`, `header` and `footer` partials, rendered once for each `base`.
    func chrome(nav: [[String: Any]], isHome: Bool, headerSearch: Bool) -> [String: HTMLBytes] {
        var context = shared
        context["nav"] = nav
        context["isHome"] = isHome
        context["headerSearch"] = headerSearch
        var values: [String: HTMLBytes] = [:]
        for part in ["head", "header", "footer"] where theme.hasTemplate(part) { values[part] = theme.renderHTML(part, context: context) }
        return values
    }

    /// `{{#date}}<time datetime="{{iso}}">{{text}}</time>{{/date}}`: a map, so that names inside
    /// the section resolve on it directly.
    func dateValue(_ date: CalendarDate) -> [String: Any] {
        ["text": theme.format(date), "iso": date.isoDay]
    }

    /// A page as a list entry, with its `list-item` partial rendered in `html` (`listEntries`).
    func listItem(_ index: Int) -> [String: Any] { listEntries[index] }

    /// Lets go of the list entries and rendered list items once every page is rendered: at
    /// 100,000 pages they are about 100 MB that the search index can use. Lists cannot be
    /// rendered after this.
    func releaseListEntries() {
        listEntries.release()
    }

    /// Each page's values as a list entry (`[String: Any]` holds only immutable values), made
    /// when a list first shows the page: a rebuild that renders a few pages makes a few. Read
    /// by every rendering thread; released by one once they are done.
    final class ListEntries: @unchecked Sendable {
        private var entries: [[String: Any]?]
        private let make: (Int) -> [String: Any]
        private let mutex = Mutex()

        init(count: Int, make: @escaping (Int) -> [String: Any]) {
            entries = Array(repeating: nil, count: count)
            self.make = make
        }

        subscript(index: Int) -> [String: Any] {
            if let entry = mutex.withLock({ entries[index] }) { return entry }
            let entry = make(index)
            mutex.withLock { entries[index] = entry }
            return entry
        }

        func release() { mutex.withLock { entries = [] } }
    }

    func sectionCard(_ folder: String) -> [String: Any] {
        var card = listItem(model.sectionIndex[folder]!)
        card["count"] = model.pageCount(under: folder)
        return card
    }

    /// The full context of a content page, section or home.
    /// Pagination of a section's own page list.
    func sectionPager(_ page: Page) -> Pager {
        let folder = page.kind == .home ? "" : page.sourceDirectory
        return Pager(listPath: page.urlPath, itemCount: model.pagesInSection[folder]?.count ?? 0, pageSize: config.paginate)
    }

    func tagPager(_ tag: SiteModel.Tag) -> Pager {
        Pager(listPath: tag.outputPath, itemCount: tag.pageIndices.count, pageSize: config.paginate)
    }

    /// The full context of a content page, section or home; `pageNumber` picks the slice of
    /// a long section list.
    func forPage(_ index: Int, rendered render: PageRender, pageNumber: Int = 1) -> [String: Any] {
        let page = model.pages[index]
        let rendered = render.markdown
        var context = base(activeURLPath: page.urlPath, isHome: page.kind == .home)
        // Room for what is added below: a dictionary that grows is copied whole.
        context.reserveCapacity(context.count + 16)
        var values: [String: Any] = [:]
        values.reserveCapacity(page.frontMatter.fields.count * 2 + 24)
        for (key, value) in page.frontMatter.fields { values[key] = value.templateValue }
        values["params"] = values
        values["title"] = page.title
        values["url"] = pageURLs[index]
        values["kind"] = page.kind.rawValue
        let path = page.urlPath.drop { $0 == "/" }
        values["type"] = path.isEmpty ? "home" : String(path.prefix { $0 != "/" })
        values["content"] = rendered.htmlBytes.isEmpty ? nil : HTMLBytes(rendered.htmlBytes)
        // `summary` falls back to the first paragraph (for descriptions and lists); `lead` is
        // only what the author wrote, so the page does not repeat its first paragraph.
        values["summary"] = summary(page, fallback: render.summary)
        values["lead"] = page.frontMatter.summary.flatMap { $0.isEmpty ? nil : $0 }
        values["date"] = page.updated.map(dateValue)
        values["hasReply"] = !(page.frontMatter.reply?.scalar ?? "").isEmpty
        values["tags"] = page.frontMatter.tags.map { name in
            ["name": name, "url": tagURLs.value(for: name) {
                url(model.tagsBySlug[Slug.make(name)].map { model.tags[$0].outputPath } ?? model.tagsOutputPath)
            }]
        }
        let tocHeadings = rendered.headings.filter { $0.level == 2 || $0.level == 3 }
        let showToc = page.frontMatter.toc ?? (tocHeadings.count >= config.tocMinHeadings)
        values["hasToc"] = showToc && !tocHeadings.isEmpty
        values["toc"] = tocHeadings.map { ["level": $0.level, "text": $0.text, "id": $0.id] as [String: Any] }
        let facts = facts(page)
        values["facts"] = facts
        values["hasFacts"] = !facts.isEmpty
        let history = history(page)
        values["history"] = history
        values["hasHistory"] = !history.isEmpty
        values["freshness"] = freshness(render.snapshots)
        values["hasTables"] = render.hasTables
        let materials = page.bundleDirectory.flatMap { self.materials[$0] } ?? []
        values["materials"] = materials
        values["hasMaterials"] = !materials.isEmpty
        context["page"] = values
        // FAQ entries list related questions; other pages are found through tags and search.
        if page.kind == .page && page.frontMatter.reply != nil {
            let related = model.related(to: index, limit: 5).map(listItem)
            context["related"] = related
            context["hasRelated"] = !related.isEmpty
        }

        let ancestors = model.ancestors(of: page)
        let crumbs: [[String: Any]] = ancestors.compactMap { folder in
            guard let sectionIndex = model.sectionIndex[folder] else { return nil }
            let title = folder.isEmpty ? (theme.strings["home"] ?? "Home") : model.pages[sectionIndex].title
            return ["title": title, "url": pageURLs[sectionIndex]]
        }
        context["breadcrumbs"] = crumbs
        context["hasBreadcrumbs"] = page.kind != .home

        // Section navigation: the sections inside the top-level section the page is in.
        let topFolder = page.kind == .home ? nil : (ancestors.count >= 2 ? ancestors[1] : (page.kind == .section ? page.sourceDirectory : nil))
        if let topFolder, let subsections = model.childSections[topFolder], !subsections.isEmpty {
            context["hasSectionNav"] = true
            context["sectionNavRoot"] = listItem(model.sectionIndex[topFolder]!)
            context["sectionNav"] = subsections.map { folder -> [String: Any] in
                let sectionIndex = model.sectionIndex[folder]!
                return ["title": model.pages[sectionIndex].title, "url": pageURLs[sectionIndex],
                        "active": page.urlPath.hasPrefix(model.pages[sectionIndex].urlPath)]
            }
        }

        switch page.kind {
        case .section, .home:
            let folder = page.kind == .home ? "" : page.sourceDirectory
            let children = (model.childSections[folder] ?? []).map(sectionCard)
            let members = model.pagesInSection[folder] ?? []
            let pager = sectionPager(page)
            let pages = members[pager.items(pageNumber)].map(listItem)
            context["pager"] = pager.context(pageNumber, url: url, strings: theme.strings)
            context["subsections"] = children
            context["hasSubsections"] = !children.isEmpty
            context["sections"] = children
            context["pages"] = pages
            context["hasPages"] = !pages.isEmpty
            context["hasReplies"] = pages.contains { $0["reply"] != nil }
            if let key = page.frontMatterField("group_by")?.scalar {
                let groups = grouped(members, by: key)
                context["groups"] = groups
                context["hasGroups"] = !groups.isEmpty
            }
            if page.kind == .home || !children.isEmpty {
                // What changed lately below this section (anywhere on the site for home).
                let recent = recentlyUpdated(limit: 8, under: page.urlPath).map { index -> [String: Any] in
                    var item = listItem(index)
                    item["sectionTitle"] = model.sectionIndex[model.pages[index].sectionPath].map { model.pages[$0].title } ?? ""
                    return item
                }
                context["recent"] = recent
                context["hasRecent"] = !recent.isEmpty
            }
            if page.kind == .home {
                // Quick links: each top-level section with its own sections and latest pages.
                context["sections"] = (model.childSections[""] ?? []).map { folder -> [String: Any] in
                    var card = sectionCard(folder)
                    let inner = (model.childSections[folder] ?? []).map { listItem(model.sectionIndex[$0]!) }
                    card["children"] = inner
                    card["hasChildren"] = !inner.isEmpty
                    let url = model.pages[model.sectionIndex[folder]!].urlPath
                    card["latest"] = recentlyUpdated(limit: 3, under: url).map(listItem)
                    return card
                }
            }
        case .page:
            break
        }
        return context
    }

    /// When the page's data was taken, and a warning once that is longer ago than `max_data_age`.
    func freshness(_ snapshots: [PageRender.SnapshotUse]) -> [String: Any]? {
        let times = snapshots.compactMap(\.takenAt)
        guard let oldest = times.min() else { return nil }
        let locale = config.formatLocale
        var text = theme.strings["data_as_of"] ?? "Data as of"
        text += " " + locale.format(.text(oldest.isoDay + (oldest.hasTime ? " " + twoDigits(oldest.hour) + ":" + twoDigits(oldest.minute) : "")), as: .datetime)
        var values: [String: Any] = ["text": text, "iso": oldest.rfc3339]
        if let limit = config.maxDataAge, Double(buildTime.secondsSinceEpoch - oldest.secondsSinceEpoch) > limit {
            values["stale"] = true
            values["warning"] = (theme.strings["data_stale"] ?? "This data is older than {age}.")
                .replacing("{age}", with: locale.format(.real(limit), as: .duration))
        }
        return values
    }

    func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }

    /// The front matter's summary, else `fallback` (from `summary(fromFirstParagraph:)`).
    func summary(_ page: Page, fallback: String?) -> String? {
        if let summary = page.frontMatter.summary, !summary.isEmpty { return summary }
        return fallback.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A page's first paragraph as a summary: at most 120 characters. (Counts characters only
    /// as far as it needs to: a first paragraph can be long, and this runs for every page.)
    func summary(fromFirstParagraph firstParagraph: String) -> String? {
        let text = firstParagraph.trimmingWhitespace
        if text.isEmpty { return nil }
        guard text.utf8.count > 120, text.endOfCharacter(121) != nil, let cut = text.endOfCharacter(118) else { return text }
        return String(text[..<cut]) + "…"
    }

    func facts(_ page: Page) -> [[String: Any]] {
        Self.factKeys.compactMap { key -> [String: Any]? in
            guard let node = page.frontMatterField(key), !node.isNull else { return nil }
            let value: String
            if let text = node.scalar {
                value = CalendarDate(parsing: text).map(theme.format) ?? text
            } else if let list = node.stringList {
                value = list.joined(separator: "、")
            } else {
                return nil
            }
            return ["label": theme.strings[key] ?? key, "value": value]
        }
    }

    func history(_ page: Page) -> [[String: Any]] {
        (page.frontMatterField("history")?.sequence ?? []).map { entry in
            let date = entry["date"]?.scalar.flatMap(CalendarDate.init(parsing:)).map(theme.format) ?? entry["date"]?.scalar ?? ""
            return ["version": entry["version"]?.scalar ?? "", "date": date, "note": entry["note"]?.scalar ?? ""]
        }
    }

    /// Content pages with a date below an output path (all for ""), newest first. Worked out
    /// once per path: every page of a long section's list asks for the same.
    func recentlyUpdated(limit: Int, under path: String = "") -> [Int] {
        Array(recentCache.value(for: path) {
            // The newest twenty, kept in order as the pages pass: most are older than the
            // twentieth and cost one comparison of two numbers.
            typealias Entry = (seconds: Int, path: String, index: Int)
            func newer(_ lhs: Entry, _ rhs: Entry) -> Bool {
                lhs.seconds != rhs.seconds ? lhs.seconds > rhs.seconds : lhs.path < rhs.path
            }
            var newest: [Entry] = []
            for index in model.pages.indices {
                let page = model.pages[index]
                guard page.kind == .page, let updated = page.updated, page.urlPath.hasPrefix(path) else { continue }
                let seconds = updated.secondsSinceEpoch
                if newest.count == 20 && seconds < newest[19].seconds { continue }
                let entry = (seconds, page.sourcePath, index)
                guard newest.count < 20 || newer(entry, newest[19]) else { continue }
                newest.insert(entry, at: newest.firstIndex { newer(entry, $0) } ?? newest.count)
                if newest.count > 20 { newest.removeLast() }
            }
            return newest.map(\.index)
        }.prefix(limit))
    }

    /// A section's pages in groups by a front matter key (`group_by: owner` on the policy
    /// index), groups in order of first appearance.
    func grouped(_ members: [Int], by key: String) -> [[String: Any]] {
        var order: [String] = []
        var groups: [String: [[String: Any]]] = [:]
        for index in members {
            let name = model.pages[index].frontMatterField(key)?.scalar ?? "—"
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(listItem(index))
        }
        return order.sorted().map { ["name": $0, "pages": groups[$0]!, "count": groups[$0]!.count] }
    }

    func tagsIndex() -> [String: Any] {
        var context = base(activeURLPath: model.tagsOutputPath)
        context["page"] = ["title": theme.strings["tags"] ?? "Tags", "url": url(model.tagsOutputPath)]
        context["tags"] = model.tags.map { ["name": $0.name, "url": url($0.outputPath), "count": $0.pageIndices.count] as [String: Any] }
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [["title": theme.strings["home"] ?? "Home", "url": url("")]]
        return context
    }

    func tagPage(_ tag: SiteModel.Tag, pageNumber: Int = 1) -> [String: Any] {
        var context = base(activeURLPath: tag.outputPath)
        let pager = tagPager(tag)
        context["pager"] = pager.context(pageNumber, url: url, strings: theme.strings)
        context["page"] = ["title": tag.name, "url": url(tag.outputPath)]
        context["pages"] = tag.pageIndices[pager.items(pageNumber)].map(listItem)
        context["count"] = tag.pageIndices.count
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [["title": theme.strings["home"] ?? "Home", "url": url("")],
                                  ["title": theme.strings["tags"] ?? "Tags", "url": url(model.tagsOutputPath)]]
        return context
    }

    func searchPage() -> [String: Any] {
        var context = base(activeURLPath: "search/", headerSearch: false)
        context["page"] = ["title": theme.strings["search"] ?? "Search", "url": url("search/")]
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [["title": theme.strings["home"] ?? "Home", "url": url("")]]
        context["isSearch"] = true
        return context
    }

    /// The admin status page: the build that made this release, and the releases kept.
    func statusPage(_ report: BuildReport, started: CalendarDate, snapshots: [(name: String, taken: CalendarDate?)],
                    releases: [String]) -> [String: Any] {
        var context = base(activeURLPath: "admin/status/")
        context["page"] = ["title": theme.strings["build_status"] ?? "Build status", "url": url("admin/status/")]
        let locale = config.formatLocale
        context["report"] = [
            "started": started.rfc3339, "seconds": String(format3: report.seconds), "pages": report.pageCount,
            "written": report.filesWritten, "unchanged": report.filesUnchanged, "removed": report.filesRemoved,
            "queries": report.queriesRun,
            "snapshots": snapshots.map { ["name": $0.name, "taken": $0.taken.map { locale.format(.text($0.rfc3339), as: .datetime) } ?? "—"] },
            "hasSnapshots": !snapshots.isEmpty,
            "phases": report.phases.map { ["name": $0.name, "seconds": String(format3: $0.seconds)] },
            "warnings": report.warnings.map(\.description), "hasWarnings": !report.warnings.isEmpty,
        ] as [String: Any]
        context["releases"] = releases
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [["title": theme.strings["home"] ?? "Home", "url": url("")]]
        return context
    }

    func notFound() -> [String: Any] {
        var context = base(activeURLPath: "")
        context["page"] = ["title": theme.strings["not_found_title"] ?? "Not found"]
        return context
    }
}
