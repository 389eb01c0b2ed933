import Content
import DeskbookData
import DeskbookSupport
import Theme

/// Builds the values templates see. One instance serves every page of a build; it only reads.
/// What many pages share (the site values, each page's URL and list entry) is worked out once
/// here, since a page appears in several lists (its section, its tags, recent changes).
/// Its methods are handed to `map` and the pager inside closures, never as function values:
/// a method taken as a value copies the whole context, a reference counted for each of its
/// tables, at every page.
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
    let shared: TemplateMap
    /// Keys shown as facts above a page's text (course and policy details), in this order.
    static let factKeys = ["course_id", "trainer", "duration", "trainees", "owner", "version", "effective"]

    let recentCache = Memo<String, [Int]>()
    /// Each tag's URL by its name as pages write it: thousands of pages name the same few tags.
    let tagURLs = Memo<String, String>()
    /// Files beside a page bundle's `index.md` (course materials), by bundle folder.
    let materials: [String: [TemplateMap]]

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
        self.listEntries = ListEntries(count: model.pages.count) { index -> TemplateMap in
            let page = model.pages[index]
            var item: TemplateMap = ["title": .text(page.title), "url": .text(pageURLs[index])]
            if let summary = page.frontMatter.summary, !summary.isEmpty { item["summary"] = .text(summary) }
            if let date = page.updated { item["date"] = ["text": .text(theme.format(date)), "iso": .text(date.isoDay)] }
            if let reply = page.frontMatter.reply?.scalar, !reply.isEmpty {
                item["reply"] = .text(reply)
                item["replyID"] = .text("reply-\(index)")
            }
            // The `list-item` partial rendered once, as the same page appears in its section's
            // list, its tags' lists, related entries and recent changes.
            if rendersItems { item["html"] = .html(theme.renderHTML("list-item", context: item)) }
            return item
        }

        var assets: TemplateMap = [:]
        for (name, path) in theme.assetPaths {
            let key = name.hasSuffix(".css") && name.hasPrefix("style") ? "css"
                : name.hasSuffix(".js") && name.hasPrefix("site") ? "js"
                : name.hasPrefix("icon") ? "icon" : name
            assets[key] = .text(links.url(for: path))
            // Mustache reads dots as nesting, so `logo.png` is `assets.logo_png`.
            assets[name.replacing(".", with: "_")] = .text(links.url(for: path))
        }
        var site: TemplateMap = [
            "title": .text(config.title), "htmlLang": .text(config.language.rawValue), "homeURL": .text(links.url(for: "")),
            "feedURL": .text(links.url(for: "feed.xml")), "sitemapURL": .text(links.url(for: MachineFiles.sitemapPath)),
            "tagsURL": .text(links.url(for: model.tagsOutputPath)), "baseURL": .text(config.basePath),
            "searchURL": .text(links.url(for: "search/")), "searchIndexURL": .text(links.url(for: "search/")),
        ]
        if let params = config.params { site["params"] = params.templateValue }
        self.shared = ["site": .map(site), "t": theme.stringValues, "assets": .map(assets)]
        var materials: [String: [TemplateMap]] = [:]
        let bundles = Set(model.pages.compactMap(\.bundleDirectory))
        for file in staticFiles {
            guard let bundle = bundles.first(where: { file.source.hasPrefix($0 + "/") }) else { continue }
            let name = String(file.source.dropFirst(bundle.count + 1))
            let size = FileSystem.size(siteDirectory + "/content/" + file.source) ?? 0
            let type = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).uppercased() : ""
            materials[bundle, default: []].append(["name": .text(name), "url": .text(links.url(for: file.output)), "type": .text(type),
                                                   "size": .text(PageContext.fileSize(size))])
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
    func base(activeURLPath: String, isHome: Bool = false, headerSearch: Bool? = nil) -> TemplateMap {
        let headerSearch = headerSearch ?? !isHome
        let sections = (model.childSections[""] ?? []).map { model.sectionIndex[$0]! }
        let active = sections.first { !activeURLPath.isEmpty && activeURLPath.hasPrefix(model.pages[$0].urlPath) }
        return bases.value(for: BaseKey(active: active ?? -1, isHome: isHome, headerSearch: headerSearch)) {
            var context = shared
            let nav = TemplateValue.list(sections.map { index in
                ["title": .text(model.pages[index].title), "url": .text(pageURLs[index]), "active": .flag(index == active)]
            })
            context["nav"] = nav
            context["isHome"] = .flag(isHome)
            context["chrome"] = .map(chrome(nav: nav, isHome: isHome, headerSearch: headerSearch))
            return Base(values: context)
        }.values
    }

    struct BaseKey: Hashable, Sendable {
        let active: Int
        let isHome, headerSearch: Bool
    }

    struct Base: Sendable {
        let values: TemplateMap
    }

    let bases = Memo<BaseKey, Base>()

    /// The `head`, `header` and `footer` partials, rendered once for each `base`.
    func chrome(nav: TemplateValue, isHome: Bool, headerSearch: Bool) -> TemplateMap {
        var context = shared
        context["nav"] = nav
        context["isHome"] = .flag(isHome)
        context["headerSearch"] = .flag(headerSearch)
        var values: TemplateMap = [:]
        for part in ["head", "header", "footer"] where theme.hasTemplate(part) { values[part] = .html(theme.renderHTML(part, context: context)) }
        return values
    }

    /// `{{#date}}<time datetime="{{iso}}">{{text}}</time>{{/date}}`: a map, so that names inside
    /// the section resolve on it directly.
    func dateValue(_ date: CalendarDate) -> TemplateValue {
        ["text": .text(theme.format(date)), "iso": .text(date.isoDay)]
    }

    /// A page as a list entry, with its `list-item` partial rendered in `html` (`listEntries`).
    func listItem(_ index: Int) -> TemplateMap { listEntries[index] }

    /// Pages as list entries, for a section to repeat.
    func listItems<Indices: Sequence<Int>>(_ indices: Indices) -> TemplateValue { .list(indices.map { .map(listEntries[$0]) }) }

    /// Lets go of the list entries and rendered list items once every page is rendered: at
    /// 100,000 pages they are about 100 MB that the search index can use. Lists cannot be
    /// rendered after this.
    func releaseListEntries() {
        listEntries.release()
    }

    /// Each page's values as a list entry, made when a list first shows the page: a rebuild
    /// that renders a few pages makes a few. Read by every rendering thread; released by one
    /// once they are done.
    final class ListEntries: @unchecked Sendable {
        private var entries: [TemplateMap?]
        private let make: (Int) -> TemplateMap
        private let mutex = Mutex()

        init(count: Int, make: @escaping (Int) -> TemplateMap) {
            entries = Array(repeating: nil, count: count)
            self.make = make
        }

        subscript(index: Int) -> TemplateMap {
            if let entry = mutex.withLock({ entries[index] }) { return entry }
            let entry = make(index)
            mutex.withLock { entries[index] = entry }
            return entry
        }

        func release() { mutex.withLock { entries = [] } }
    }

    func sectionCard(_ folder: String) -> TemplateMap {
        var card = listItem(model.sectionIndex[folder]!)
        card["count"] = .number(model.pageCount(under: folder))
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
    func forPage(_ index: Int, rendered render: PageRender, pageNumber: Int = 1) -> TemplateMap {
        let page = model.pages[index]
        let rendered = render.markdown
        var context = base(activeURLPath: page.urlPath, isHome: page.kind == .home)
        // Room for what is added below: a dictionary that grows is copied whole.
        context.reserveCapacity(context.count + 16)
        var values: TemplateMap = [:]
        values.reserveCapacity(page.frontMatter.fields.count * 2 + 24)
        for (key, value) in page.frontMatter.fields { values[key] = value.templateValue }
        values["params"] = .map(values)
        values["title"] = .text(page.title)
        values["url"] = .text(pageURLs[index])
        values["kind"] = .text(page.kind.rawValue)
        let path = page.urlPath.drop { $0 == "/" }
        values["type"] = .text(path.isEmpty ? "home" : String(path.prefix { $0 != "/" }))
        values["content"] = rendered.htmlBytes.isEmpty ? nil : .html(HTMLBytes(rendered.htmlBytes))
        // `summary` falls back to the first paragraph (for descriptions and lists); `lead` is
        // only what the author wrote, so the page does not repeat its first paragraph.
        values["summary"] = summary(page, fallback: render.summary).map(TemplateValue.text)
        values["lead"] = page.frontMatter.summary.flatMap { $0.isEmpty ? nil : .text($0) }
        values["date"] = page.updated.map { dateValue($0) }
        values["hasReply"] = .flag(!(page.frontMatter.reply?.scalar ?? "").isEmpty)
        values["tags"] = .list(page.frontMatter.tags.map { name in
            ["name": .text(name), "url": .text(tagURLs.value(for: name) {
                url(model.tagsBySlug[Slug.make(name)].map { model.tags[$0].outputPath } ?? model.tagsOutputPath)
            })]
        })
        let tocHeadings = rendered.headings.filter { $0.level == 2 || $0.level == 3 }
        let showToc = page.frontMatter.toc ?? (tocHeadings.count >= config.tocMinHeadings)
        values["hasToc"] = .flag(showToc && !tocHeadings.isEmpty)
        values["toc"] = .list(tocHeadings.map { ["level": .number($0.level), "text": .text($0.text), "id": .text($0.id)] })
        let facts = facts(page)
        values["facts"] = .maps(facts)
        values["hasFacts"] = .flag(!facts.isEmpty)
        let history = history(page)
        values["history"] = .maps(history)
        values["hasHistory"] = .flag(!history.isEmpty)
        values["freshness"] = freshness(render.snapshots).map(TemplateValue.map)
        values["hasTables"] = .flag(render.hasTables)
        let materials = page.bundleDirectory.flatMap { self.materials[$0] } ?? []
        values["materials"] = .maps(materials)
        values["hasMaterials"] = .flag(!materials.isEmpty)
        context["page"] = .map(values)
        // FAQ entries list related questions; other pages are found through tags and search.
        if page.kind == .page && page.frontMatter.reply != nil {
            let related = model.related(to: index, limit: 5)
            context["related"] = listItems(related)
            context["hasRelated"] = .flag(!related.isEmpty)
        }

        let ancestors = model.ancestors(of: page)
        let crumbs: [TemplateValue] = ancestors.compactMap { folder in
            guard let sectionIndex = model.sectionIndex[folder] else { return nil }
            let title = folder.isEmpty ? (theme.strings["home"] ?? "Home") : model.pages[sectionIndex].title
            return ["title": .text(title), "url": .text(pageURLs[sectionIndex])]
        }
        context["breadcrumbs"] = .list(crumbs)
        context["hasBreadcrumbs"] = .flag(page.kind != .home)

        // Section navigation: the sections inside the top-level section the page is in.
        let topFolder = page.kind == .home ? nil : (ancestors.count >= 2 ? ancestors[1] : (page.kind == .section ? page.sourceDirectory : nil))
        if let topFolder, let subsections = model.childSections[topFolder], !subsections.isEmpty {
            context["hasSectionNav"] = true
            context["sectionNavRoot"] = .map(listItem(model.sectionIndex[topFolder]!))
            context["sectionNav"] = .list(subsections.map { folder in
                let sectionIndex = model.sectionIndex[folder]!
                return ["title": .text(model.pages[sectionIndex].title), "url": .text(pageURLs[sectionIndex]),
                        "active": .flag(page.urlPath.hasPrefix(model.pages[sectionIndex].urlPath))]
            })
        }

        switch page.kind {
        case .section, .home:
            let folder = page.kind == .home ? "" : page.sourceDirectory
            let children = (model.childSections[folder] ?? []).map { sectionCard($0) }
            let members = model.pagesInSection[folder] ?? []
            let pager = sectionPager(page)
            let pages = members[pager.items(pageNumber)].map { listItem($0) }
            context["pager"] = pager.context(pageNumber, url: { url($0) }, strings: theme.strings).map(TemplateValue.map)
            context["subsections"] = .maps(children)
            context["hasSubsections"] = .flag(!children.isEmpty)
            context["sections"] = .maps(children)
            context["pages"] = .maps(pages)
            context["hasPages"] = .flag(!pages.isEmpty)
            context["hasReplies"] = .flag(pages.contains { $0["reply"] != nil })
            if let key = page.frontMatterField("group_by")?.scalar {
                let groups = grouped(members, by: key)
                context["groups"] = .maps(groups)
                context["hasGroups"] = .flag(!groups.isEmpty)
            }
            if page.kind == .home || !children.isEmpty {
                // What changed lately below this section (anywhere on the site for home).
                let recent = recentlyUpdated(limit: 8, under: page.urlPath).map { index in
                    var item = listItem(index)
                    item["sectionTitle"] = .text(model.sectionIndex[model.pages[index].sectionPath].map { model.pages[$0].title } ?? "")
                    return item
                }
                context["recent"] = .maps(recent)
                context["hasRecent"] = .flag(!recent.isEmpty)
            }
            if page.kind == .home {
                // Quick links: each top-level section with its own sections and latest pages.
                context["sections"] = .maps((model.childSections[""] ?? []).map { folder in
                    var card = sectionCard(folder)
                    let inner = (model.childSections[folder] ?? []).map { model.sectionIndex[$0]! }
                    card["children"] = listItems(inner)
                    card["hasChildren"] = .flag(!inner.isEmpty)
                    let url = model.pages[model.sectionIndex[folder]!].urlPath
                    card["latest"] = listItems(recentlyUpdated(limit: 3, under: url))
                    return card
                })
            }
        case .page:
            break
        }
        return context
    }

    /// When the page's data was taken, and a warning once that is longer ago than `max_data_age`.
    func freshness(_ snapshots: [PageRender.SnapshotUse]) -> TemplateMap? {
        let times = snapshots.compactMap(\.takenAt)
        guard let oldest = times.min() else { return nil }
        let locale = config.formatLocale
        var text = theme.strings["data_as_of"] ?? "Data as of"
        text += " " + locale.format(.text(oldest.isoDay + (oldest.hasTime ? " " + twoDigits(oldest.hour) + ":" + twoDigits(oldest.minute) : "")), as: .datetime)
        var values: TemplateMap = ["text": .text(text), "iso": .text(oldest.rfc3339)]
        if let limit = config.maxDataAge, Double(buildTime.secondsSinceEpoch - oldest.secondsSinceEpoch) > limit {
            values["stale"] = true
            values["warning"] = .text((theme.strings["data_stale"] ?? "This data is older than {age}.")
                .replacing("{age}", with: locale.format(.real(limit), as: .duration)))
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

    func facts(_ page: Page) -> [TemplateMap] {
        Self.factKeys.compactMap { key -> TemplateMap? in
            guard let node = page.frontMatterField(key), !node.isNull else { return nil }
            let value: String
            if let text = node.scalar {
                value = CalendarDate(parsing: text).map(theme.format) ?? text
            } else if let list = node.stringList {
                value = list.joined(separator: "、")
            } else {
                return nil
            }
            return ["label": .text(theme.strings[key] ?? key), "value": .text(value)]
        }
    }

    func history(_ page: Page) -> [TemplateMap] {
        (page.frontMatterField("history")?.sequence ?? []).map { entry in
            let date = entry["date"]?.scalar.flatMap(CalendarDate.init(parsing:)).map(theme.format) ?? entry["date"]?.scalar ?? ""
            return ["version": .text(entry["version"]?.scalar ?? ""), "date": .text(date), "note": .text(entry["note"]?.scalar ?? "")]
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
    func grouped(_ members: [Int], by key: String) -> [TemplateMap] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for index in members {
            let name = model.pages[index].frontMatterField(key)?.scalar ?? "—"
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(index)
        }
        return order.sorted().map { ["name": .text($0), "pages": listItems(groups[$0]!), "count": .number(groups[$0]!.count)] }
    }

    /// A link for breadcrumbs and the like.
    func link(_ title: String, _ outputPath: String) -> TemplateValue { ["title": .text(title), "url": .text(url(outputPath))] }

    /// The home page's link, with the theme's name for it.
    var homeLink: TemplateValue { link(theme.strings["home"] ?? "Home", "") }

    func tagsIndex() -> TemplateMap {
        var context = base(activeURLPath: model.tagsOutputPath)
        context["page"] = link(theme.strings["tags"] ?? "Tags", model.tagsOutputPath)
        context["tags"] = .list(model.tags.map { ["name": .text($0.name), "url": .text(url($0.outputPath)), "count": .number($0.pageIndices.count)] })
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [homeLink]
        return context
    }

    func tagPage(_ tag: SiteModel.Tag, pageNumber: Int = 1) -> TemplateMap {
        var context = base(activeURLPath: tag.outputPath)
        let pager = tagPager(tag)
        context["pager"] = pager.context(pageNumber, url: { url($0) }, strings: theme.strings).map(TemplateValue.map)
        context["page"] = link(tag.name, tag.outputPath)
        context["pages"] = listItems(tag.pageIndices[pager.items(pageNumber)])
        context["count"] = .number(tag.pageIndices.count)
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [homeLink, link(theme.strings["tags"] ?? "Tags", model.tagsOutputPath)]
        return context
    }

    func searchPage() -> TemplateMap {
        var context = base(activeURLPath: "search/", headerSearch: false)
        context["page"] = link(theme.strings["search"] ?? "Search", "search/")
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [homeLink]
        context["isSearch"] = true
        return context
    }

    /// The admin status page: the build that made this release, and the releases kept.
    func statusPage(_ report: BuildReport, started: CalendarDate, snapshots: [(name: String, taken: CalendarDate?)],
                    releases: [String]) -> TemplateMap {
        var context = base(activeURLPath: "admin/status/")
        context["page"] = link(theme.strings["build_status"] ?? "Build status", "admin/status/")
        let locale = config.formatLocale
        context["report"] = [
            "started": .text(started.rfc3339), "seconds": .text(String(format3: report.seconds)), "pages": .number(report.pageCount),
            "written": .number(report.filesWritten), "unchanged": .number(report.filesUnchanged), "removed": .number(report.filesRemoved),
            "queries": .number(report.queriesRun),
            "snapshots": .list(snapshots.map {
                ["name": .text($0.name), "taken": .text($0.taken.map { locale.format(.text($0.rfc3339), as: .datetime) } ?? "—")]
            }),
            "hasSnapshots": .flag(!snapshots.isEmpty),
            "phases": .list(report.phases.map { ["name": .text($0.name), "seconds": .text(String(format3: $0.seconds))] }),
            "warnings": .list(report.warnings.map { .text($0.description) }), "hasWarnings": .flag(!report.warnings.isEmpty),
        ]
        context["releases"] = .list(releases.map(TemplateValue.text))
        context["hasBreadcrumbs"] = true
        context["breadcrumbs"] = [homeLink]
        return context
    }

    func notFound() -> TemplateMap {
        var context = base(activeURLPath: "")
        context["page"] = ["title": .text(theme.strings["not_found_title"] ?? "Not found")]
        return context
    }
}
