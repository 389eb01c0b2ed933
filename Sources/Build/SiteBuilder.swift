import Content
import DeskbookSupport
import Theme

/// What to build and how strictly.
public struct BuildOptions: Sendable {
    public var siteDirectory: String
    public var outputDirectory: String
    /// Broken links and images fail the build instead of warning (`build --strict`, `check`).
    public var strict = false
    /// `check` renders everything but writes nothing.
    public var writeOutput = true
    public var includeDrafts = false

    public init(siteDirectory: String, outputDirectory: String? = nil) {
        self.siteDirectory = FileSystem.absolute(siteDirectory)
        self.outputDirectory = FileSystem.absolute(outputDirectory ?? siteDirectory + "/public")
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
}

/// The build, one linear method of named, timed phases:
/// configure → load content → load theme → render Markdown → render pages → write.
/// Nothing is written until every page rendered without error.
public enum SiteBuilder {
    public static func build(_ options: BuildOptions, log: (String) -> Void = { _ in }) throws(DiagnosticsError) -> BuildReport {
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
        let model = SiteModel(pages: content.pages)
        let links = LinkResolver(pages: content.pages, staticFiles: content.staticFiles,
                                 extraOutputs: model.generatedOutputs + ["404.html", "sitemap.xml", "feed.xml"],
                                 basePath: config.basePath)

        let rendered = try phase("render markdown") { () throws(DiagnosticsError) -> [RenderedMarkdown] in
            let renderer = MarkdownRenderer(unsafeHTML: config.unsafeHTML)
            return parallelMap(content.pages) { renderer.render($0, links: links) }
        }
        var problems = rendered.flatMap(\.diagnostics)
        problems += templateProblems(model.pages, theme: theme)
        if options.strict { problems = problems.map { $0.severity == .warning ? $0.promotedToError : $0 } }
        warnings += problems.warnings
        if !problems.errors.isEmpty { throw DiagnosticsError((problems.errors + warnings).sortedByLocation()) }

        let context = PageContext(config: config, theme: theme, model: model, links: links)
        let plan = try phase("render pages") { () throws(DiagnosticsError) -> OutputPlan in
            renderPages(model: model, rendered: rendered, context: context, content: content,
                        siteDirectory: options.siteDirectory)
        }
        report.pageCount = model.pages.count
        report.warnings = warnings.sortedByLocation()

        if options.writeOutput {
            let summary = try phase("write") { () throws(DiagnosticsError) -> OutputWriter.Summary in
                do { return try OutputWriter.publish(plan, to: options.outputDirectory) } catch {
                    throw DiagnosticsError([.error(options.outputDirectory, "cannot write the site: \(error)")])
                }
            }
            report.filesWritten = summary.written
            report.filesUnchanged = summary.unchanged
            report.filesRemoved = summary.removed
        }
        return report
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
        case tag(Int, pageNumber: Int)
        case notFound
    }

    static func renderPages(model: SiteModel, rendered: [RenderedMarkdown], context: PageContext,
                            content: SiteContent, siteDirectory: String) -> OutputPlan {
        // Long lists (tags, sections) first, so they do not finish last on one core.
        var jobs: [RenderJob] = [.tagsIndex, .notFound]
        for (index, tag) in model.tags.enumerated() {
            jobs += (1...context.tagPager(tag).pageCount).map { RenderJob.tag(index, pageNumber: $0) }
        }
        for (index, page) in model.pages.enumerated() {
            let count = page.kind == .page ? 1 : context.sectionPager(page).pageCount
            jobs += (1...count).map { RenderJob.content(index, pageNumber: $0) }
        }
        let theme = context.theme
        let outputs = parallelMap(jobs) { job -> (String, String) in
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
            }
        }
        var plan = OutputPlan()
        for (path, html) in outputs { plan.add(path, html) }
        for asset in context.theme.assets { plan.add(asset.outputPath, .bytes(asset.bytes)) }
        for file in content.staticFiles where !plan.contains(file.output) {
            plan.add(file.output, .copy(siteDirectory + "/content/" + file.source))
        }
        let recent = context.recentlyUpdated(limit: context.config.feedLimit)
        var summaries: [Int: String] = [:]
        for index in recent { summaries[index] = context.summary(model.pages[index], rendered: rendered[index]) }
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
