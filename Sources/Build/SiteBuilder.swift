import Blocks
import Content
import DeskbookData
import DeskbookSupport
import Search
import Theme

#if canImport(Glibc)
import Glibc
#endif

/// What to build and how strictly.
public struct BuildOptions: Sendable {
    public var siteDirectory: String
    public var outputDirectory: String
    /// Broken links and images fail the build instead of warning (`build --strict`, `check`).
    public var strict = false
    /// `check` renders everything but writes nothing.
    public var writeOutput = true
    public var includeDrafts = false
    /// Wait for a build of the same output that is running, instead of failing at once.
    public var waitForLock = false
    /// Run every phase on its own, for timing each (`build --separate-phases`).
    public var separatePhases = false
    /// Where results are kept between builds (`SITE/.deskbook-cache`); nil keeps nothing.
    public var cacheDirectory: String?
    /// "Now", for judging data freshness; tests set it.
    public var buildTime = CalendarDate(secondsSinceEpoch: Int(time(nil)))

    public init(siteDirectory: String, outputDirectory: String? = nil) {
        self.siteDirectory = FileSystem.absolute(siteDirectory)
        self.outputDirectory = FileSystem.absolute(outputDirectory ?? siteDirectory + "/public")
        self.cacheDirectory = self.siteDirectory + "/.deskbook-cache"
    }
}

public struct BuildReport: Sendable {
    public struct Phase: Sendable {
        public var name: String
        public var seconds: Double
    }

    public var phases: [Phase] = []
    /// Warnings that did not stop the build.
    public var warnings: [Diagnostic] = []
    public var pageCount = 0
    public var filesWritten = 0
    public var filesUnchanged = 0
    public var filesRemoved = 0
    /// Queries that ran against a snapshot; the others came from the cache.
    public var queriesRun = 0
    /// Masked columns that pages show unmasked (front matter `privacy.allow`), for `check`.
    public var unmaskedColumns: [SnapshotSet.UnmaskedColumn] = []
    /// Wall time of the whole build (phases may overlap, so their times add up to more).
    public var seconds = 0.0
}

/// The build, one linear method of named, timed phases:
/// configure → load content → load theme → render Markdown → render pages → write.
/// Nothing is written until every page rendered without error.
public enum SiteBuilder {
    public static func build(_ options: BuildOptions, log: (String) -> Void = { _ in }) throws(DiagnosticsError) -> BuildReport {
        let started = ContinuousClock.now
        var report = BuildReport()
        var warnings: [Diagnostic] = []
        func phase<T>(_ name: String, _ work: () throws(DiagnosticsError) -> T) throws(DiagnosticsError) -> T {
            let start = ContinuousClock.now
            let result = try work()
            let seconds = (ContinuousClock.now - start).seconds
            report.phases.append(.init(name: name, seconds: seconds))
            log("\(name): \(String(format3: seconds)) s")
            return result
        }

        let config = try phase("configure") { () throws(DiagnosticsError) -> SiteConfig in
            let (config, problems) = try SiteConfig.load(siteDirectory: options.siteDirectory)
            warnings += problems
            return config
        }
        let content = try phase("load content") { () throws(DiagnosticsError) -> SiteContent in
            let (content, problems) = try ContentLoader.load(siteDirectory: options.siteDirectory, includeDrafts: options.includeDrafts)
            warnings += problems
            return content
        }
        let theme = try phase("load theme") { () throws(DiagnosticsError) -> Theme in
            try ThemeLoader.load(siteDirectory: options.siteDirectory, themeName: config.theme, language: config.language.rawValue)
        }
        let snapshots = try phase("open data") { () throws(DiagnosticsError) -> SnapshotSet in
            config.data.isEmpty ? .empty : try SnapshotSet.open(config.data, siteDirectory: options.siteDirectory,
                                                                limits: QueryLimits(timeout: config.queryTimeout, maxRows: config.maxRows),
                                                                cache: options.cacheDirectory.map { QueryCache(directory: $0 + "/queries") },
                                                                privacy: PrivacyPolicy(config))
        }
        let expansion = try phase("expand templated pages") { () throws(DiagnosticsError) -> TemplatedPages.Expansion in
            let (expansion, problems) = TemplatedPages.expand(content.pages, snapshots: snapshots)
            if !problems.isEmpty { throw DiagnosticsError(problems) }
            return expansion
        }
        let strings = BlockStrings(theme.strings)
        let pages = expansion.pages.map { page -> Page in
            guard let appendix = CourseSessions.appendix(for: page, snapshots: snapshots, strings: strings) else { return page }
            var course = page
            course.body += appendix
            return course
        }
        let model = SiteModel(pages: pages)
        let links = LinkResolver(pages: pages, staticFiles: content.staticFiles,
                                 extraOutputs: model.generatedOutputs + ["404.html", "sitemap.xml", "feed.xml"],
                                 basePath: config.basePath)
        let environment = BlockEnvironment(snapshots: snapshots, locale: config.formatLocale,
                                           strings: strings, basePath: config.basePath)

        let rendered = try phase("render markdown") { () throws(DiagnosticsError) -> [PageRender] in
            let renderer = MarkdownRenderer(unsafeHTML: config.unsafeHTML, allowedURLSchemes: config.allowedURLSchemes)
            return parallelMap(Array(pages.indices)) { index in
                let page = pages[index]
                let blocks = PageRender.mayHoldDataBlocks(page)
                    ? PageBlocks(page: page, environment: environment, parameters: expansion.parameters[index] ?? [:]) : nil
                var markdown = renderer.render(page, links: links, hooks: blocks)
                // A query a block already reported is not reported twice.
                let unreported = (blocks?.problems ?? []).filter { !markdown.diagnostics.contains($0) }
                markdown.diagnostics = unreported + markdown.diagnostics
                return PageRender(markdown: markdown, attachments: blocks?.attachments ?? [], hasTables: blocks?.hasTables ?? false,
                                  snapshots: (blocks?.snapshotsUsed ?? []).map { .init(name: $0.name, takenAt: $0.takenAt) })
            }
        }
        var problems = rendered.flatMap(\.markdown.diagnostics)
        problems += templateProblems(model.pages, theme: theme)
        if options.strict { problems = problems.map { $0.severity == .warning ? $0.promotedToError : $0 } }
        warnings += problems.warnings
        if !problems.errors.isEmpty { throw DiagnosticsError((problems.errors + warnings).sortedByLocation()) }

        // The search index is built alongside the pages: each phase has stretches that use
        // one core, and the other phase fills them.
        let (synonyms, synonymProblems) = try SiteSynonyms.load(siteDirectory: options.siteDirectory)
        warnings += synonymProblems
        let searchDocuments = searchDocuments(model: model, rendered: rendered, links: links)
        // Normally the search index is built alongside the pages; `separatePhases` builds it
        // on its own first, so that each phase's time is its own (for profiling).
        let search: Background<(files: [(path: String, bytes: [UInt8])], seconds: Double)>
        if options.separatePhases {
            let files = try phase("index search") { () throws(DiagnosticsError) -> [(path: String, bytes: [UInt8])] in
                SearchIndex.build(searchDocuments, synonyms: synonyms)
            }
            search = Background { (files, 0) }
        } else {
            search = Background {
                let start = ContinuousClock.now
                let files = SearchIndex.build(searchDocuments, synonyms: synonyms)
                return (files, (ContinuousClock.now - start).seconds)
            }
        }

        let context = PageContext(config: config, theme: theme, model: model, links: links, buildTime: options.buildTime,
                                  staticFiles: content.staticFiles, siteDirectory: options.siteDirectory)
        // Every error a page can have was found above, so pages are written as they render:
        // the disk works while the cores render, and no page's HTML waits in memory.
        // The new release is assembled beside the live site; only one build at a time.
        var release: (releases: Releases, staging: String, previous: String?, lock: BuildLock)?
        if options.writeOutput {
            do {
                let releases = Releases(output: options.outputDirectory)
                let lock = try BuildLock(releases: releases, wait: options.waitForLock)
                let previous = releases.current
                release = (releases, try releases.begin(), previous, lock)
            } catch {
                throw DiagnosticsError([.error(options.outputDirectory, "\(error)")])
            }
        }
        // Whatever fails from here on, the half-built release goes and the live site stays.
        var published = false
        defer { if let release, !published { FileSystem.removeTree(release.staging) } }

        var plan = try phase("render pages") { () throws(DiagnosticsError) -> OutputPlan in
            try renderPages(model: model, rendered: rendered, context: context, content: content,
                            siteDirectory: options.siteDirectory, writeInto: release.map { ($0.staging, $0.previous) })
        }
        let searchFiles = try phase("index search (rest)") { () throws(DiagnosticsError) -> [(path: String, bytes: [UInt8])] in
            search.result().files
        }
        if !options.separatePhases {
            let indexSeconds = search.result().seconds
            report.phases.append(.init(name: "index search (alongside)", seconds: indexSeconds))
            log("index search (alongside render pages): \(String(format3: indexSeconds)) s")
        }
        for file in searchFiles { plan.add(file.path, .bytes(file.bytes)) }
        report.pageCount = model.pages.count
        report.queriesRun = snapshots.queriesRun
        report.unmaskedColumns = snapshots.unmaskedColumns
        snapshots.cache?.prune()
        report.warnings = warnings.sortedByLocation()

        if let release {
            let summary = try phase("write") { () throws(DiagnosticsError) -> OutputWriter.Summary in
                do { return try OutputWriter.publish(plan, to: release.staging, previous: release.previous) } catch {
                    throw DiagnosticsError([.error(options.outputDirectory, "cannot write the site: \(error)")])
                }
            }
            report.filesWritten = summary.written
            report.filesUnchanged = summary.unchanged
            report.filesRemoved = summary.removed
            report.seconds = (ContinuousClock.now - started).seconds
            try phase("publish") { () throws(DiagnosticsError) in
                do {
                    try FileSystem.writeAtomically(release.staging + "/" + BuildReport.fileName,
                                                   Array(report.json(start: options.buildTime, snapshots: snapshots.all).utf8))
                    // The status page for administrators (not in navigation, sitemap or search).
                    if context.theme.hasTemplate("status") {
                        let status = context.statusPage(report, started: options.buildTime,
                                                        snapshots: snapshots.all.map { ($0.name, $0.takenAt) },
                                                        releases: release.releases.all + [String(FileSystem.lastComponent(release.staging)
                                                            .dropLast(Releases.incompleteSuffix.count))])
                        try FileSystem.makeDirectories(release.staging + "/admin/status")
                        try FileSystem.writeAtomically(release.staging + "/admin/status/index.html",
                                                       Array(context.theme.render("status", context: status).utf8))
                    }
                    try release.releases.publish(release.staging)
                    published = true
                } catch {
                    throw DiagnosticsError([.error(options.outputDirectory, "cannot publish the site: \(error)")])
                }
            }
        }
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }

    /// What the search index needs of each page: its text by section, where it stands, and
    /// what makes it rank (an FAQ reply, synonyms).
    static func searchDocuments(model: SiteModel, rendered: [PageRender], links: LinkResolver) -> [SearchDocument] {
        model.pages.indices.compactMap { index -> SearchDocument? in
            let page = model.pages[index]
            guard page.kind != .home else { return nil }
            let place = model.ancestors(of: page).dropFirst().compactMap { model.sectionIndex[$0].map { model.pages[$0].title } }
            let reply = page.frontMatter["reply"]?.scalar
            return SearchDocument(title: page.title, url: links.url(for: page.urlPath), place: place.joined(separator: " › "),
                                  reply: reply, synonyms: page.frontMatter["synonyms"]?.stringList ?? [],
                                  sections: rendered[index].markdown.sections, boost: reply == nil ? 1 : 1.6)
        }
    }

    /// A page naming a template the theme lacks is an error at the `template:` line.
    static func templateProblems(_ pages: [Page], theme: Theme) -> [Diagnostic] {
        pages.compactMap { page in
            guard let name = page.frontMatter.template, !theme.hasTemplate(name) else { return nil }
            let node = page.frontMatter["template"]
            return .error(page.diagnosticPath, line: node?.line ?? 1, column: node?.column ?? 1,
                          "unknown template '\(name)'; the theme has: \(theme.templateNames.sorted().joined(separator: ", "))")
        }
    }

    /// One page of output that a template renders.
    enum RenderJob: Sendable {
        /// A content page; for a long section list, which numbered page of it.
        case content(Int, pageNumber: Int)
        case tagsIndex
        case search
        case tag(Int, pageNumber: Int)
        case notFound
    }

    static func renderPages(model: SiteModel, rendered: [PageRender], context: PageContext,
                            content: SiteContent, siteDirectory: String,
                            writeInto output: (staging: String, previous: String?)?) throws(DiagnosticsError) -> OutputPlan {
        // Long lists (tags, sections) first, so they do not finish last on one core.
        var jobs: [RenderJob] = [.tagsIndex, .notFound, .search]
        for (index, tag) in model.tags.enumerated() {
            jobs += (1...context.tagPager(tag).pageCount).map { RenderJob.tag(index, pageNumber: $0) }
        }
        for (index, page) in model.pages.enumerated() {
            let count = page.kind == .page ? 1 : context.sectionPager(page).pageCount
            jobs += (1...count).map { RenderJob.content(index, pageNumber: $0) }
        }
        let theme = context.theme
        @Sendable func render(_ job: RenderJob) -> (String, String) {
            switch job {
            case .content(let index, let number):
                let page = model.pages[index]
                let template = page.frontMatter.template ?? (page.kind == .home ? "home" : page.kind == .section ? "section" : "page")
                let path = page.kind == .page ? page.urlPath : context.sectionPager(page).outputPath(number)
                return (path + "index.html", theme.render(template, context: context.forPage(index, rendered: rendered[index], pageNumber: number)))
            case .tagsIndex:
                return (model.tagsOutputPath + "index.html", theme.render("tags", context: context.tagsIndex()))
            case .tag(let index, let number):
                let tag = model.tags[index]
                return (context.tagPager(tag).outputPath(number) + "index.html",
                        theme.render("tag", context: context.tagPage(tag, pageNumber: number)))
            case .notFound:
                return ("404.html", theme.render("404", context: context.notFound()))
            case .search:
                return (SearchIndex.folder + "index.html", theme.render("search", context: context.searchPage()))
            }
        }
        // Pages go to a writer thread as they render: the disk works while the cores render.
        let writer = output.map { BackgroundWriter(directory: $0.staging, previous: $0.previous) }
        let outputs = parallelMap(jobs) { job -> (String, OutputPlan.Source?) in
            let (path, html) = render(job)
            guard let writer else { return (path, .bytes(Array(html.utf8))) }
            writer.write(path, Array(html.utf8))
            return (path, nil)
        }
        let written = writer?.finish() ?? [:]
        let failures = written.values.compactMap { if case .failure(let failure) = $0 { return failure } else { return nil } }
        if !failures.isEmpty { throw DiagnosticsError(failures.map { .error($0.path, "cannot write the site: \($0.reason)") }) }
        var plan = OutputPlan()
        for (path, source) in outputs {
            if case .success(let changed) = written[path] { plan.add(path, .written(changed)) } else if let source { plan.add(path, source) }
        }
        for page in rendered {
            for attachment in page.attachments { plan.add(attachment.path, .bytes(attachment.bytes)) }
        }
        for asset in context.theme.assets { plan.add(asset.outputPath, .bytes(asset.bytes)) }
        for file in content.staticFiles where !plan.contains(file.output) {
            plan.add(file.output, .copy(siteDirectory + "/content/" + file.source))
        }
        let recent = context.recentlyUpdated(limit: context.config.feedLimit)
        var summaries: [Int: String] = [:]
        for index in recent { summaries[index] = context.summary(model.pages[index], rendered: rendered[index].markdown) }
        plan.add("feed.xml", MachineFiles.atomFeed(model: model, config: context.config, links: context.links,
                                                   recent: recent, summaries: summaries))
        plan.add("sitemap.xml", MachineFiles.sitemap(model: model, config: context.config, links: context.links))
        return plan
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension String {
    /// `1.234` with three decimals, without Foundation.
    init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        self = "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// What rendering one page's Markdown produced: its HTML, the files its data blocks add
/// (CSV downloads), and the snapshots it read.
struct PageRender: Sendable {
    struct SnapshotUse: Sendable {
        var name: String
        var takenAt: CalendarDate?
    }

    var markdown: RenderedMarkdown
    var attachments: [(path: String, bytes: [UInt8])]
    var hasTables: Bool
    var snapshots: [SnapshotUse]

    /// Only a page with `{{` or a `sql`, `chart`, `table` or `kpi` fence can hold data blocks
    /// or inline values; the others (most pages) skip the scan for queries.
    static func mayHoldDataBlocks(_ page: Page) -> Bool {
        let bytes = Array(page.body.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "{") && index + 1 < bytes.count && bytes[index + 1] == byte { return true }
            if (byte == UInt8(ascii: "`") || byte == UInt8(ascii: "~")) && index + 2 < bytes.count
                && bytes[index + 1] == byte && bytes[index + 2] == byte {
                var word = index + 3
                while word < bytes.count && (bytes[word] == byte || bytes[word] == UInt8(ascii: " ")) { word += 1 }
                var end = word
                while end < bytes.count && bytes[end] >= UInt8(ascii: "a") && bytes[end] <= UInt8(ascii: "z") { end += 1 }
                if dataFenceWords.contains(bytes[word..<end]) { return true }
                index = end
                continue
            }
            index += 1
        }
        return false
    }

    static let dataFenceWords: Set<ArraySlice<UInt8>> = Set(["sql", "chart", "table", "kpi"].map { Array($0.utf8)[...] })
}

extension SiteConfig {
    var formatLocale: FormatLocale {
        let language: FormatLocale.Language = switch self.language {
        case .zhHant: .traditionalChinese
        case .zhHans: .simplifiedChinese
        case .en: .english
        }
        return FormatLocale(language: language, currency: currency)
    }
}
