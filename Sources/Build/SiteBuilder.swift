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
    /// Outputs rendered by templates; the others were unchanged and taken from the last release.
    public var pagesRendered = 0
    /// Nothing the build reads changed since the live release was built, so nothing was written.
    public var nothingChanged = false
    /// Masked columns that pages show unmasked (front matter `privacy.allow`), for `check`.
    public var unmaskedColumns: [SnapshotSet.UnmaskedColumn] = []
    /// Wall time of the whole build (phases may overlap, so their times add up to more).
    public var seconds = 0.0
}

/// The build, one linear method of named, timed phases:
/// configure → load content → load theme → render Markdown → render pages → write.
/// Nothing is written until every page rendered without error.
public enum SiteBuilder {
    /// `built` is handed the report as the build ends, while the build still holds what it
    /// read and made: a command that ends the process there (`deskbook build`) leaves that
    /// memory to the system at once, rather than waiting for it to be freed piece by piece
    /// (tens of milliseconds for a site of ten thousand pages, more than some rebuilds take).
    public static func build(_ options: BuildOptions, log: (String) -> Void = { _ in },
                             built: (BuildReport) -> Void = { _ in }) throws(DiagnosticsError) -> BuildReport {
        let started = ContinuousClock.now
        var report = BuildReport()
        var warnings: [Diagnostic] = []
        func phase<T>(_ name: String, _ work: () throws(DiagnosticsError) -> T) throws(DiagnosticsError) -> T {
            let start = ContinuousClock.now
            let before = processUsage()
            let result = try work()
            let seconds = (ContinuousClock.now - start).seconds
            report.phases.append(.init(name: name, seconds: seconds))
            let usage = processUsage()
            log("\(name): \(String(format3: seconds)) s (CPU \(String(format3: usage.cpuSeconds - before.cpuSeconds)) s, "
                + "\(usage.pageFaults - before.pageFaults) page faults), peak memory so far \(usage.peakMiB) MiB")
            return result
        }

        let config = try phase("configure") { () throws(DiagnosticsError) -> SiteConfig in
            // Nothing is read from outside the site folder, symlinks included.
            let outside = SiteBoundary.siteFileProblems(siteDirectory: options.siteDirectory)
            if !outside.isEmpty { throw DiagnosticsError(outside) }
            let (config, problems) = try SiteConfig.load(siteDirectory: options.siteDirectory)
            warnings += problems
            let outsideData = SiteBoundary.dataProblems(siteDirectory: options.siteDirectory, dataFiles: config.data)
            if !outsideData.isEmpty { throw DiagnosticsError(outsideData) }
            return config
        }

        // The inputs are fingerprinted before they are read: a file changed during the build
        // then differs from what this build records, and the next build looks again.
        let statePath = options.writeOutput ? options.cacheDirectory.map { BuildState.path(cacheDirectory: $0, output: options.outputDirectory) } : nil
        let dataFiles = config.data.values.map { $0.hasPrefix("/") ? $0 : options.siteDirectory + "/" + $0 }
        let fingerprint = try phase("look at inputs") { () throws(DiagnosticsError) in
            InputFingerprint.of(siteDirectory: options.siteDirectory, dataFiles: dataFiles, options: options)
        }
        let inputs = fingerprint.value
        let liveRelease = Releases(output: options.outputDirectory).current.map(FileSystem.lastComponent)
        var previousState = statePath.flatMap(BuildState.loadSummary)
        // The releases the last builds published (`BuildState.changedSince`).
        let previousReleases = previousState?.releases ?? []
        if let previous = previousState, previous.release == liveRelease, previous.inputs == inputs,
           previous.staleAfter == 0 || options.buildTime.secondsSinceEpoch < previous.staleAfter {
            report.nothingChanged = true
            report.warnings = previous.warnings
            report.seconds = (ContinuousClock.now - started).seconds
            return report
        }
        // A build that can take the output's lock now holds it from here, and maps the build
        // cache's files rather than reading them: no other build adds to them or cuts them
        // short meanwhile (`BuildState.readCacheFile`). One that cannot reads them, and waits
        // for the lock (or stops) when it comes to write, as before.
        let earlyLock = statePath == nil ? nil : BuildLock.ifFree(releases: Releases(output: options.outputDirectory))
        // What the last build found in each Markdown file, which loading needs first. Each of
        // its records stands for itself (a file's status must match it), with a summary or
        // without.
        let readingLoadedFiles = statePath.map { statePath in Background { BuildState.loadLoadedFiles(statePath, lock: earlyLock) } }
        // The page records and the search memories are read while the content loads.
        var readingPages: Background<BuildState?>?
        if let statePath, let summary = previousState {
            readingPages = Background {
                var state = summary
                return state.loadPages(statePath, lock: earlyLock) ? state : nil
            }
        }
        // The site models the last build made, for trees whose pages keep their shape.
        let readingModels = statePath.map { statePath in Background { SiteModelCache.load(statePath, lock: earlyLock) } }
        // A build that stops early waits for them still: what they map holds the lock.
        defer { _ = (readingLoadedFiles?.result(), readingPages?.result(), readingModels?.result()) }
        let loadedFileLog = try phase("read build cache") { () throws(DiagnosticsError) in readingLoadedFiles?.result() ?? nil }

        var content = try phase("load content") { () throws(DiagnosticsError) -> SiteContent in
            let (content, problems) = try ContentLoader.load(siteDirectory: options.siteDirectory, includeDrafts: options.includeDrafts,
                                                             known: loadedFileLog?.files ?? [:], folders: fingerprint.contentFolders)
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
        var expansion = try phase("expand templated pages") { () throws(DiagnosticsError) -> TemplatedPages.Expansion in
            let (expansion, problems) = TemplatedPages.expand(content.pages, snapshots: snapshots)
            if !problems.isEmpty { throw DiagnosticsError(problems) }
            return expansion
        }
        // One list of pages from here on (at 100,000 pages each copy is 40 MB).
        content.pages = []
        // What loading found is saved for the next build at once, and let go: each record
        // stands for itself (a file's status must match it), whatever becomes of this build.
        let savingLoadedFiles = statePath.map { [records = content.loadedRecords] statePath in
            Background { BuildState.saveLoadedFiles(records, statePath, previous: loadedFileLog) }
        }
        content.loadedRecords = []
        defer { savingLoadedFiles?.result() }
        var pages = expansion.pages
        expansion.pages = []
        let strings = BlockStrings(theme.strings)
        // Course sessions come from a snapshot: a site without data has none to add.
        if !snapshots.names.isEmpty {
            for index in pages.indices {
                if let appendix = CourseSessions.appendix(for: pages[index], snapshots: snapshots, strings: strings) { pages[index].append(appendix) }
            }
        }
        let (audiences, audienceProblems) = Audiences.assign(pages, names: config.audiences)
        if !audienceProblems.isEmpty { throw DiagnosticsError(audienceProblems.sortedByLocation()) }
        let freshness = Freshness(snapshots: snapshots.all, maxAge: config.maxDataAge, now: options.buildTime)
        let environmentKey = siteEnvironment(options.siteDirectory, freshness: freshness)
        if let reading = readingPages { previousState = try phase("read build cache (pages)") { () throws(DiagnosticsError) in reading.result() } }
        readingPages = nil
        // Taken out of the last state: an index's update changes its memory in place, which
        // copies nothing only while the update holds the one reference to it.
        var previousMemories = previousState?.searchMemories ?? [:]
        previousState?.searchMemories = [:]
        // The last state counts for reusing outputs only while its release is the one served
        // (a rollback or a deleted release makes it void); its Markdown results count always.
        let previousOutputs = previousState.flatMap { $0.release == liveRelease ? $0 : nil }
        let previousRelease = liveRelease.flatMap { _ in Releases(output: options.outputDirectory).current }
        let cachedMarkdown = previousState?.markdown ?? [:]
        let blockEnvironment = { (basePath: String) in
            BlockEnvironment(snapshots: snapshots, locale: config.formatLocale, strings: strings, basePath: basePath)
        }

        // One complete site per audience, or one for everyone. Each is its own site: its pages,
        // navigation, lists, links, search index, sitemap and feed know only what it shows.
        let trees = try phase("prepare") { () throws(DiagnosticsError) -> [PreparedTree] in
            let modelCache = readingModels?.result() ?? SiteModelCache()
            let specs: [(name: String?, pages: [Int])] = audiences.names.isEmpty
                ? [(nil, Array(pages.indices))]
                : audiences.names.map { name in (name, pages.indices.filter { audiences.visible[$0].contains(name) }) }
            return specs.map { spec in
                PreparedTree(audience: spec.name, pageIndices: spec.pages, allPages: pages, audiences: audiences, content: content,
                             config: config, theme: theme, options: options, expansion: expansion, environmentKey: environmentKey,
                             snapshots: snapshots, blocks: blockEnvironment, previous: previousOutputs, previousRelease: previousRelease,
                             cachedMarkdown: cachedMarkdown, modelCache: modelCache)
            }
        }
        // A model made anew is kept for the next build, whatever becomes of this one.
        let savingModels = statePath.flatMap { statePath in
            trees.allSatisfy(\.modelRestored) ? nil : Background { [trees] in
                SiteModelCache.save(trees.map { ($0.prefix, $0.modelKey, $0.model) }, statePath)
            }
        }
        defer { savingModels?.result() }
        let unknownTemplates = templateProblems(pages, theme: theme)
        if !unknownTemplates.isEmpty { throw DiagnosticsError((unknownTemplates + warnings).sortedByLocation()) }
        let (synonyms, synonymProblems) = try SiteSynonyms.load(siteDirectory: options.siteDirectory)
        warnings += synonymProblems

        // Each page is rendered in one go, Markdown then template, and written into the new
        // release at once: no page's HTML waits in memory for the others. The new release is
        // assembled beside the live site; only one build at a time.
        var release: (releases: Releases, staging: String, previous: String?, recycled: String?, lock: BuildLock)?
        if options.writeOutput {
            do {
                let releases = Releases(output: options.outputDirectory)
                let lock = try earlyLock ?? BuildLock(releases: releases, wait: options.waitForLock)
                let previous = releases.current
                let staging = try releases.begin()
                release = (releases, staging.path, previous, staging.recycled, lock)
            } catch {
                throw DiagnosticsError([.error(options.outputDirectory, "\(error)")])
            }
        }
        // Whatever fails from here on, the half-built release goes and the live site stays.
        var published = false
        // Old releases are deleted while the build cache is saved.
        var pruning: Background<Void>?
        defer { if let release, !published { FileSystem.removeTree(release.staging) } }
        // Another build may have published while this one waited for the lock.
        let samePrevious = release.map { $0.previous == previousRelease } ?? false
        // A release made over changed only in the files written since it was built.
        let changedSinceRecycled: Set<UTF8Key>? = release.flatMap { release in
            release.recycled.flatMap { recycled in
                release.previous.flatMap { BuildState.changedSince(recycled, live: FileSystem.lastComponent($0), in: previousReleases) }
            }
        }
        // What each tree takes from the live release, less what it no longer holds (removed by
        // hand): those outputs are rendered again. A file the release made over holds as the
        // live one does is not looked for there.
        let reuses = trees.map { tree -> Reuse in
            guard samePrevious, let previousRelease else { return .none }
            return tree.reusable.findingMissing(in: previousRelease, outputPaths: tree.outputPaths, jobs: tree.jobs,
                                                lookingOnlyAt: changedSinceRecycled)
        }

        // A tree's search index is built from the moment its pages are rendered, while its
        // outputs are listed and the next tree renders (in a phase of its own with
        // `separatePhases`).
        var searchIndexes: [() -> SearchBuild] = []
        var plan = OutputPlan()
        // Whether the live release still holds each tree's index files is looked at meanwhile.
        let previousSearch = samePrevious ? previousOutputs.map { ($0, previousRelease!) } : nil
        let lastSearchFiles = Dictionary(uniqueKeysWithValues: trees.map { tree in
            (tree.prefix, Background { SearchBuild.LastFiles(previous: previousSearch, prefix: tree.prefix) })
        })
        func indexSearch(_ tree: PreparedTree, _ treeDigests: [PageDigest]) -> @Sendable () -> SearchBuild {
            let memory = Taken(previousMemories.removeValue(forKey: tree.prefix))
            let lastFiles = lastSearchFiles[tree.prefix]!
            return {
                var pages = tree.searchPages.take()
                let documents = pages.documents(digests: treeDigests)
                // The terms each page had when the memory was made, from the same build's cache.
                let previousIndex = memory.take().map { IndexMemory.Previous(memory: $0, terms: pages.cachedTerms) }
                return SearchBuild(documents: documents, synonyms: synonyms, prefix: tree.prefix, lastFiles: lastFiles.result(),
                                   previousIndex: previousIndex)
            }
        }
        var pendingTerms: [[Int: [SectionText]]] = []
        var digests = try phase("render pages") { () throws(DiagnosticsError) -> [[PageDigest]] in
            var digests: [[PageDigest]] = []
            for (tree, reuse) in zip(trees, reuses) {
                let rendered = try renderPages(tree, reuse: reuse, siteDirectory: options.siteDirectory,
                                               deferTerms: options.separatePhases,
                                               writeInto: release.map { Destination(directory: $0.staging, previous: $0.previous, recycled: $0.recycled != nil) },
                                               plan: &plan) { treeDigests in
                    guard !options.separatePhases else { return }
                    let running = Background(indexSearch(tree, treeDigests))
                    searchIndexes.append { running.result() }
                }
                tree.context.releaseListEntries()
                digests.append(rendered.digests)
                pendingTerms.append(rendered.sections)
            }
            return digests
        }
        if options.separatePhases {
            // Terms are worked out here rather than as each page renders, so that the search
            // index's whole cost shows in its own phases.
            try phase("index search (terms)") { () throws(DiagnosticsError) in
                for (position, tree) in trees.enumerated() {
                    let pending = Array(pendingTerms[position])
                    let terms = parallelMap(pending) { searchTerms(tree.model.pages[$0.key], sections: $0.value) }
                    for (entry, pageTerms) in zip(pending, terms) { digests[position][entry.key] = digests[position][entry.key].with(terms: pageTerms) }
                    searchIndexes.append(indexSearch(tree, digests[position]))
                }
            }
            pendingTerms = []
        }
        let outputsRendered = zip(trees, reuses).reduce(0) { $0 + $1.0.jobs.count - $1.1.outputs.count }
        // A build that rendered a tenth of its outputs or more holds much at its peak; a
        // rebuild of a few pages holds little.
        let renderedMuch = outputsRendered * 10 >= trees.reduce(0, { $0 + $1.jobs.count })
        // Freed memory goes back to the system between phases once much was rendered and the
        // build has held much (`releasesMemoryAbove`): it keeps a large site's peak down. For a
        // few pages, or a small site, giving it back costs more than it saves: a system call
        // for each freed stretch, and a fault for each page when it is used again.
        func releaseFreeMemory() {
            if renderedMuch && processUsage().peakMiB >= releasesMemoryAbove { Allocator.releaseFreeMemory() }
        }
        releaseFreeMemory()
        var problems: [Diagnostic] = []
        var seenProblems = Set<String>()
        for treeDigests in digests {
            // A page in several trees reports its problems once.
            for problem in treeDigests.flatMap(\.diagnostics) where seenProblems.insert(problem.description).inserted {
                problems.append(problem)
            }
        }
        if options.strict { problems = problems.map { $0.severity == .warning ? $0.promotedToError : $0 } }
        warnings += problems.warnings
        if !problems.errors.isEmpty { throw DiagnosticsError((problems.errors + warnings).sortedByLocation()) }

        // The page records are saved on a thread of their own from here, while the index is
        // built and the release written: nothing in them depends on either. (The summary
        // follows at the end, with the files this build wrote.)
        let releaseName = release.map { Self.releaseName($0.staging) }
        let savingPages = releaseName.flatMap { _ in
            statePath.map { statePath in
                // The last build's records, to add to; none when they were not read.
                var last = BuildState()
                if let previousState {
                    (last.outputs, last.markdown, last.termsStore) = (previousState.outputs, previousState.markdown, previousState.termsStore)
                    (last.pageStores, last.pageLogRecords) = (previousState.pageStores, previousState.pageLogRecords)
                }
                return Background { [last, digests] () -> BuildState.PageStores? in
                    var stores: BuildState.PageStores?
                    return BuildState.saved(statePath) { stores = try last.savePages(pageRecords(trees: trees, digests: digests), to: statePath) } ? stores : nil
                }
            }
        }

        var searchBuilds = try phase("index search") { () throws(DiagnosticsError) -> [SearchBuild] in searchIndexes.map { $0() } }
        // The pages' terms and excerpts of the last build are read as needed; one that did not
        // read back as it was saved leaves what was made of it unfit to publish, and the
        // records saved from them are removed once written.
        if let damage = previousState?.termsStore?.damaged ?? previousState?.searchStore?.damaged {
            _ = savingPages?.result()
            statePath.map(BuildState.remove)
            throw DiagnosticsError([.error(damage, "the build cache changed while it was read; it has been removed: build again")])
        }
        for search in searchBuilds {
            // By path: the index's shards come in no set order, and the plan's order is the
            // release manifest's, which the next build compares with its own.
            for file in search.files.sorted(by: { $0.path < $1.path }) { plan.add(file.path, file.source) }
        }
        // What the build cache keeps of each index is saved on a thread of its own from here, while
        // the site is written; the index's bytes go with the plan.
        let savingSearch = releaseName.flatMap { name in
            statePath.map { statePath in
                var state = BuildState()
                (state.inputs, state.release, state.searchStore, state.searchLog) = (inputs, name, previousState?.searchStore, previousState?.searchLog)
                for (tree, search) in zip(trees, searchBuilds) {
                    state.searchKeys[tree.prefix] = search.key
                    state.searchMemories[tree.prefix] = search.memory
                    state.searchFiles += search.files.map(\.path)
                }
                return Background { [state] in BuildState.saved(statePath) { try state.saveSearch(statePath) } }
            }
        }
        searchBuilds = []
        releaseFreeMemory()
        report.pageCount = pages.count
        report.pagesRendered = outputsRendered
        report.queriesRun = snapshots.queriesRun
        report.unmaskedColumns = snapshots.unmaskedColumns
        snapshots.cache?.prune()
        report.warnings = warnings.sortedByLocation()

        if let release, let name = releaseName {
            // What the summary holds besides the stores the page records and the index's memory
            // are saved in.
            var cache: BuildState? = statePath.map { _ in
                var state = BuildState()
                (state.inputs, state.release) = (inputs, name)
                state.staleAfter = freshness.staleAfter
                state.warnings = report.warnings
                return state
            }
            // Saved whether or not the release is published: a release that is not live is
            // reused for nothing by the next build (its records of pages still hold).
            var written: [String] = []
            func saveSummary() {
                // Both are waited for: neither is left half-written when the build returns.
                let pageStores = savingPages?.result() ?? nil, searchSaved = savingSearch?.result() ?? false
                guard let statePath, let pageStores, searchSaved, var summary = cache else { return }
                summary.pageStores = pageStores
                cache = nil
                let base = release.previous.map(FileSystem.lastComponent) ?? ""
                summary.releases = Array((previousReleases + [.init(name: name, base: base, written: written)]).suffix(Releases.keep + 2))
                do { try summary.saveSummary(statePath) } catch { BuildState.remove(statePath) }
            }
            defer { saveSummary() }
            let summary = try phase("write") { () throws(DiagnosticsError) -> OutputWriter.Summary in
                let destination = Destination(directory: release.staging, previous: release.previous, recycled: release.recycled != nil,
                                              changedSinceRecycled: changedSinceRecycled)
                do {
                    // The files held as bytes go first and are let go.
                    try OutputWriter.writeHeld(&plan, to: destination)
                    releaseFreeMemory()
                    return try OutputWriter.publish(plan, to: destination)
                } catch {
                    throw DiagnosticsError([.error(options.outputDirectory, "cannot write the site: \(error)")])
                }
            }
            // Written: the index and other files held as bytes are let go.
            plan = OutputPlan()
            releaseFreeMemory()
            written = summary.writtenPaths
            report.filesWritten = summary.written
            report.filesUnchanged = summary.unchanged
            report.filesRemoved = summary.removed
            report.seconds = (ContinuousClock.now - started).seconds
            try phase("publish") { () throws(DiagnosticsError) in
                do {
                    // The report and the status page sit at the top of the release, outside
                    // every audience's site: they name pages of all of them.
                    try FileSystem.writeAtomically(release.staging + "/" + BuildReport.fileName,
                                                   Array(report.json(start: options.buildTime, snapshots: snapshots.all).utf8))
                    let context = trees[0].context
                    if context.theme.hasTemplate("status") {
                        let status = context.statusPage(report, started: options.buildTime,
                                                        snapshots: snapshots.all.map { ($0.name, $0.takenAt) },
                                                        releases: release.releases.all + [name])
                        try FileSystem.makeDirectories(release.staging + "/admin/status")
                        try FileSystem.writeAtomically(release.staging + "/admin/status/index.html",
                                                       context.theme.renderBytes("status", context: status))
                    }
                    try release.releases.publish(release.staging)
                    published = true
                    let releases = release.releases
                    pruning = Background { releases.prune() }
                } catch {
                    throw DiagnosticsError([.error(options.outputDirectory, "cannot publish the site: \(error)")])
                }
            }
            if savingSearch != nil { try phase("save build cache") { () throws(DiagnosticsError) in saveSummary() } }
        }
        pruning?.result()
        // Nothing runs on past the report: `built` may end the process.
        savingLoadedFiles?.result()
        report.seconds = (ContinuousClock.now - started).seconds
        // What the build read and made is held until `built` returns: Swift frees each value
        // after its last use, and freeing ten thousand pages' values piece by piece is work
        // that ending the process makes unneeded.
        withExtendedLifetime((trees, pages, digests, content, expansion, previousState, loadedFileLog, theme, earlyLock)) { built(report) }
        return report
    }

    /// What the build cache keeps of this build's pages for the next one (`BuildState`): every
    /// output's key and each page's Markdown key and digest.
    static func pageRecords(trees: [PreparedTree], digests: [[PageDigest]]) -> BuildState.PageRecords {
        BuildState.PageRecords(trees: zip(trees, digests).map { tree, digests in
            // The sitemap is kept with the outputs, by its key.
            .init(prefix: tree.prefix, outputPaths: tree.outputPaths + [tree.prefix + MachineFiles.sitemapPath],
                  outputKeys: tree.outputKeys + [tree.sitemapKey],
                  urlPaths: tree.model.pages.map(\.urlPath), markdownKeys: tree.keys.markdown, digests: digests)
        })
    }

    /// The name a release will have once published (`Releases.begin` gives its folder while built).
    static func releaseName(_ staging: String) -> String {
        String(FileSystem.lastComponent(staging).dropLast(Releases.incompleteSuffix.count))
    }

    /// The peak memory, in MiB, above which a build gives freed memory back between phases.
    static let releasesMemoryAbove = 256

    /// CPU time (user and system, all threads), the largest resident set and the page faults
    /// of this process so far, for the verbose phase log: CPU time over wall time shows how
    /// well a phase uses the cores, and the faults how much fresh memory it touched (each a
    /// page the system must find and clear; on this project's machines, one of the largest
    /// costs of a large site's build).
    static func processUsage() -> (cpuSeconds: Double, peakMiB: Int, pageFaults: Int) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return (seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss / 1024, usage.ru_minflt + usage.ru_majflt)
    }

    /// What every rendered output depends on besides the content: the config and theme files
    /// as they are, and which snapshots are stale now.
    static func siteEnvironment(_ siteDirectory: String, freshness: Freshness) -> UInt64 {
        var hasher = StableHasher()
        for name in [SiteConfig.fileName] {
            if let bytes = try? FileSystem.readFile(siteDirectory + "/" + name) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
        }
        func walk(_ folder: String) {
            for entry in (try? FileSystem.listDirectory(folder)) ?? [] {
                let path = folder + "/" + entry.name
                hasher.combine(path)
                if entry.isDirectory { walk(path) } else if let bytes = try? FileSystem.readFile(path) {
                    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
                }
            }
        }
        walk(siteDirectory + "/themes")
        for flag in freshness.stale { hasher.combine(flag) }
        return hasher.value
    }

    /// Which outputs the last release already holds exactly as this build would render them,
    /// and which pages have all their outputs among them. `prefix` is the audience's folder.
    /// Whether the release still holds each output is found out once it is known which of them
    /// the new release takes from it (`Reuse.findingMissing`).
    static func reusableOutputs(_ jobs: [RenderJob], outputPaths: [String], outputKeys: [UInt64], sitemapKey: UInt64, model: SiteModel, prefix: String,
                                previous: BuildState?, previousRelease: String?, cachedPages: [BuildState.MarkdownEntry?]) -> Reuse {
        guard let previous, let previousRelease, let release = FileSystem.OpenFolder(previousRelease) else { return .none }
        let reusable = parallelMap(Array(jobs.indices)) { position -> Bool in
            let path = outputPaths[position]
            return previous.outputs[BuildState.outputID(path)] == outputKeys[position]
        }
        var reuse = Reuse()
        let sitemap = prefix + MachineFiles.sitemapPath
        reuse.sitemap = previous.outputs[BuildState.outputID(sitemap)] == sitemapKey && release.contains(sitemap)
        var pagesWithChanges = Reuse.Positions()
        for (position, job) in jobs.enumerated() {
            if reusable[position] { reuse.outputs.insert(position) } else if case .content(let index, _) = job { pagesWithChanges.insert(index) }
        }
        for index in model.pages.indices where !pagesWithChanges.contains(index) {
            // A page's downloads (CSV) come from the last release too.
            if let entry = cachedPages[index], entry.digest.attachments.allSatisfy({ release.contains(prefix + $0) }) {
                reuse.pages.insert(index)
            }
        }
        return reuse
    }

    /// Outputs (by position in the job list) and pages (by index) taken from the last release.
    struct Reuse: Sendable {
        var outputs = Positions()
        var pages = Positions()
        /// Whether the tree's sitemap is the last release's (`PreparedTree.sitemapKey`).
        var sitemap = false
        static let none = Reuse()

        /// Outputs or pages by their position, a flag each: a rebuild marks ten thousand and
        /// looks each up as it renders, which a `Set` did by hashing every one.
        struct Positions: Sendable {
            private var flags: [Bool] = []
            private(set) var count = 0

            func contains(_ position: Int) -> Bool { position < flags.count && flags[position] }

            mutating func insert(_ position: Int) {
                if position >= flags.count { flags += repeatElement(false, count: position + 1 - flags.count) }
                if !flags[position] { (flags[position], count) = (true, count + 1) }
            }

            mutating func remove(_ position: Int) {
                if contains(position) { (flags[position], count) = (false, count - 1) }
            }

            /// The positions, lowest first.
            var members: [Int] { flags.indices.filter { flags[$0] } }
        }

        /// Less the outputs `release` no longer holds (removed by hand), which are then rendered
        /// again with their pages. Only those in `lookingOnlyAt` are looked for, when it is
        /// given: a release made over holds the others already (`Destination.changedSinceRecycled`).
        func findingMissing(in release: String, outputPaths: [String], jobs: [RenderJob], lookingOnlyAt paths: Set<UTF8Key>?) -> Reuse {
            let looked: [Int]
            if let paths {
                looked = outputs.members.filter { paths.contains(UTF8Key(outputPaths[$0])) }
            } else {
                looked = outputs.members
            }
            guard !looked.isEmpty else { return self }
            guard let folder = FileSystem.OpenFolder(release) else { return .none }
            let found = parallelMap(looked) { folder.contains(outputPaths[$0]) }
            var reuse = self
            for (position, there) in zip(looked, found) where !there {
                reuse.outputs.remove(position)
                if case .content(let index, _) = jobs[position] { reuse.pages.remove(index) }
            }
            return reuse
        }
    }

    /// A page naming a template the theme lacks is an error at the `template:` line.
    static func templateProblems(_ pages: [Page], theme: Theme) -> [Diagnostic] {
        pages.compactMap { page in
            guard let name = page.frontMatter.template, !theme.hasTemplate(name) else { return nil }
            let node = page.frontMatterField("template")
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

        func outputPath(model: SiteModel, context: PageContext) -> String {
            switch self {
            case .content(let index, let number):
                let page = model.pages[index]
                return (page.kind == .page ? page.urlPath : context.sectionPager(page).outputPath(number)).appending(literal: "index.html")
            case .tagsIndex: return model.tagsOutputPath + "index.html"
            case .tag(let index, let number): return context.tagPager(model.tags[index]).outputPath(number) + "index.html"
            case .notFound: return "404.html"
            case .search: return SearchIndex.folder + "index.html"
            }
        }
    }

    /// Every output a template renders; long lists (tags, sections) first, so they do not
    /// finish last on one core.
    static func renderJobs(model: SiteModel, context: PageContext) -> [RenderJob] {
        var jobs: [RenderJob] = [.tagsIndex, .notFound, .search]
        for (index, tag) in model.tags.enumerated() {
            jobs += (1...context.tagPager(tag).pageCount).map { RenderJob.tag(index, pageNumber: $0) }
        }
        jobs.reserveCapacity(jobs.count + model.pages.count)
        for (index, page) in model.pages.enumerated() {
            if page.kind == .page {
                jobs.append(.content(index, pageNumber: 1))
            } else {
                jobs += (1...context.sectionPager(page).pageCount).map { RenderJob.content(index, pageNumber: $0) }
            }
        }
        return jobs
    }

    /// Renders one tree's outputs into the plan (writing them into the new release as they
    /// come, when there is one), with the files beside them: attachments, theme assets,
    /// static files, feed and sitemap. Returns what each page's render leaves for the search
    /// index, the feed and the next build.
    ///
    /// Each page is one task, its Markdown then each of its outputs, so its HTML is dropped as
    /// soon as it is written. A page whose outputs are all reused is not rendered: the last
    /// build's digest of it stands in.
    ///
    /// With `deferTerms` (`--separate-phases`), pages' search terms are left empty and their
    /// section texts returned instead, for `searchTerms` to work out in a phase of their own.
    /// `rendered` is handed the digests as soon as every page is rendered, before the
    /// outputs are listed in the plan: what needs only them can start.
    static func renderPages(_ tree: PreparedTree, reuse: Reuse, siteDirectory: String,
                            deferTerms: Bool = false,
                            writeInto output: Destination?, plan: inout OutputPlan,
                            rendered: ([PageDigest]) -> Void = { _ in }) throws(DiagnosticsError) -> (digests: [PageDigest], sections: [Int: [SectionText]]) {
        let (model, context, jobs, prefix) = (tree.model, tree.context, tree.jobs, tree.prefix)
        let theme = context.theme
        // The sitemap and the feed's pages depend on no page's rendering: they are found on
        // another thread meanwhile.
        let sitemap = reuse.sitemap ? nil
            : Background { MachineFiles.sitemap(model: model, config: context.config, links: context.links, pageURLs: context.pageURLs) }
        let recentlyUpdated = Background { context.recentlyUpdated(limit: context.config.feedLimit) }
        // Pages are written as they render: their HTML is dropped at once.
        let writer = output.map { ReleaseWriter($0) }
        let outputPaths = tree.outputPaths
        @Sendable func emit(_ position: Int, _ render: () -> [UInt8]) -> (String, OutputPlan.Source?) {
            let path = outputPaths[position]
            if reuse.outputs.contains(position) { return (path, .previous) }
            let html = render()
            guard let writer else { return (path, .bytes(html)) }
            writer.write(path, html)
            return (path, nil)
        }

        var pageJobs = [[Int]](repeating: [], count: model.pages.count)
        var otherJobs: [Int] = []
        for (position, job) in jobs.enumerated() {
            if case .content(let index, _) = job { pageJobs[index].append(position) } else { otherJobs.append(position) }
        }
        let jobsOfPage = pageJobs
        // Lists (tags) first, so they do not finish last on one core. Then the pages from the
        // two halves of the site in turns: pages next to each other are mostly in one folder,
        // and two threads making folders in one folder wait for each other (on a disk, for
        // much of each folder's making).
        enum Task: Sendable { case other(Int), page(Int) }
        let tasks = otherJobs.map(Task.other) + model.pages.indices.map(Task.page)
        let half = (model.pages.count + 1) / 2
        let pagesInTurns = (0..<half).flatMap { [$0, $0 + half] }.filter { $0 < model.pages.count }
        let order = Array(otherJobs.indices) + pagesInTurns.map { otherJobs.count + $0 }
        /// A task's digest (for a page), its files, and whether the page came from the cache
        /// whole (its outputs are then the last release's, listed once all tasks are done).
        typealias Done = (digest: PageDigest?, attachments: [(path: String, bytes: [UInt8])], outputs: [(Int, String, OutputPlan.Source?)],
                          sections: [SectionText]?, reused: Bool)
        let done = parallelMap(tasks, order: order) { task -> Done in
            switch task {
            case .other(let position):
                let output = emit(position) {
                    switch jobs[position] {
                    case .tagsIndex: return theme.renderBytes("tags", context: context.tagsIndex())
                    case .tag(let index, let number): return theme.renderBytes("tag", context: context.tagPage(model.tags[index], pageNumber: number))
                    case .notFound: return theme.renderBytes("404", context: context.notFound())
                    case .search: return theme.renderBytes("search", context: context.searchPage())
                    case .content: fatalError("a page's outputs are rendered with its Markdown")
                    }
                }
                return (nil, [], [(position, output.0, output.1)], nil, false)
            case .page(let index):
                let page = model.pages[index]
                if reuse.pages.contains(index), let cached = tree.cachedPages[index], cached.key == tree.keys.markdown[index] {
                    return (cached.digest, [], [], nil, true)
                }
                let render = tree.renderMarkdown(index)
                let template = page.frontMatter.template ?? (page.kind == .home ? "home" : page.kind == .section ? "section" : "page")
                let outputs = jobsOfPage[index].map { position -> (Int, String, OutputPlan.Source?) in
                    guard case .content(_, let number) = jobs[position] else { fatalError("not a page's output") }
                    let output = emit(position) { theme.renderBytes(template, context: context.forPage(index, rendered: render, pageNumber: number)) }
                    return (position, output.0, output.1)
                }
                let terms = deferTerms ? PageTerms(excerpts: [], encoded: []) : searchTerms(page, sections: render.markdown.sections)
                let digest = PageDigest(summary: .text(render.summary ?? ""), terms: terms,
                                        diagnostics: render.markdown.diagnostics,
                                        attachments: render.attachments.map(\.path))
                return (digest, render.attachments, outputs, deferTerms ? render.markdown.sections : nil, false)
            }
        }
        let written = writer?.finish() ?? [:]
        let failures = written.values.compactMap { if case .failure(let failure) = $0 { return failure } else { return nil } }
        if !failures.isEmpty { throw DiagnosticsError(failures.map { .error($0.path, "cannot write the site: \($0.reason)") }) }
        // What needs only the pages' digests (the search index) starts now, while the
        // outputs are listed.
        let digests = done.compactMap(\.digest)
        rendered(digests)
        plan.reserveCapacity(jobs.count + tree.staticFiles.count + theme.assets.count + 1_000)
        var outputs = [(path: String, source: OutputPlan.Source?)](repeating: ("", nil), count: jobs.count)
        for task in done {
            for (position, path, source) in task.outputs { outputs[position] = (path, source) }
        }
        for (index, task) in done.dropFirst(otherJobs.count).enumerated() where task.reused {
            for position in jobsOfPage[index] { outputs[position] = (outputPaths[position], .previous) }
        }
        // By their bytes: a cold build looks up eleven thousand paths.
        let writtenPaths = Dictionary(uniqueKeysWithValues: written.map { (UTF8Key($0.key), $0.value) })
        for (path, source) in outputs {
            // Only an output written as it rendered has no source of its own (one taken from the
            // last release has `.previous`): the rest are not looked up.
            if let source {
                plan.add(path, source)
            } else if case .success(let changed) = writtenPaths[UTF8Key(path)] {
                plan.add(path, .written(changed))
            }
        }
        var sections: [Int: [SectionText]] = [:]
        for (index, task) in done.dropFirst(otherJobs.count).enumerated() where task.sections != nil { sections[index] = task.sections }
        for (index, task) in done.dropFirst(otherJobs.count).enumerated() {
            // A page taken from the cache has its downloads (CSV) in the last release.
            if task.attachments.isEmpty && reuse.pages.contains(index) {
                for path in digests[index].attachments { plan.add(prefix + path, .previous) }
            }
            for attachment in task.attachments { plan.add(prefix + attachment.path, .bytes(attachment.bytes)) }
        }
        for asset in theme.assets { plan.add(prefix + asset.outputPath, .bytes(asset.bytes)) }
        for file in tree.staticFiles where !plan.contains(prefix + file.output) {
            plan.add(prefix + file.output, .copy(siteDirectory + "/content/" + file.source))
        }
        let recent = recentlyUpdated.result()
        var summaries: [Int: String] = [:]
        for index in recent { summaries[index] = context.summary(model.pages[index], fallback: digests[index].summary.text) }
        plan.add(prefix + "feed.xml", MachineFiles.atomFeed(model: model, config: context.config, links: context.links,
                                                            recent: recent, summaries: summaries))
        plan.add(prefix + MachineFiles.sitemapPath, sitemap.map { .bytes($0.result()) } ?? .previous)
        return (digests, sections)
    }

    /// A page's share of the search index (none for the home page, which search does not list).
    static func searchTerms(_ page: Page, sections: [SectionText]) -> PageTerms {
        guard page.kind != .home else { return PageTerms(excerpts: [], encoded: []) }
        return PageTerms(title: page.title, synonyms: page.frontMatterField("synonyms")?.stringList ?? [],
                         reply: page.frontMatter.reply?.scalar, sections: sections)
    }
}

/// One audience's site (or the only site), worked out up to rendering: which pages it holds,
/// how they link, what each output's cache key is, and what can be reused.
struct PreparedTree: Sendable {
    /// nil for a site without audiences.
    let audience: String?
    /// `staff/` for an audience's tree inside the release; empty for the only tree.
    let prefix: String
    let model: SiteModel
    /// The key of what the model is made from (`SiteModel.Keys.shape`), and whether the model's
    /// lists were taken from the last build's (`SiteModelCache`) rather than made.
    let modelKey: UInt64
    let modelRestored: Bool
    /// The key of the sitemap: every page's URL and date (in the model's key) and the site's
    /// config (`RenderKeys.shared`). A rebuild that changed none of them takes the last release's.
    let sitemapKey: UInt64
    let context: PageContext
    let keys: RenderKeys
    let jobs: [SiteBuilder.RenderJob]
    /// Each job's output path inside the release (the tree's folder included), in job order.
    let outputPaths: [String]
    /// The cache key of each job's output, in job order.
    let outputKeys: [UInt64]
    let reusable: SiteBuilder.Reuse
    /// Each page's Markdown key and digest in the last build's cache, nil where it has none:
    /// looked up once (reuse, rendering and the search index each need them), on every core.
    let cachedPages: [BuildState.MarkdownEntry?]
    let staticFiles: [(source: String, output: String)]
    /// Taken once, by the tree's search index (`SearchPages`).
    let searchPages: Background<SearchPages>
    private let markdownRenderer: MarkdownRenderer
    private let blockEnvironment: BlockEnvironment
    /// A templated page's row, by page index.
    private let parameters: [Int: [String: Value]]

    init(audience: String?, pageIndices: [Int], allPages: [Page], audiences: Audiences, content: SiteContent,
         config siteConfig: SiteConfig, theme: Theme, options: BuildOptions, expansion: TemplatedPages.Expansion,
         environmentKey: UInt64, snapshots: SnapshotSet, blocks: (String) -> BlockEnvironment,
         previous: BuildState?, previousRelease: String?, cachedMarkdown: [StableKey: BuildState.MarkdownEntry],
         modelCache: SiteModelCache) {
        self.audience = audience
        let prefix = audience.map { $0 + "/" } ?? ""
        self.prefix = prefix
        var config = siteConfig
        if let audience {
            // Each audience's site lives at its own path below the site's base URL.
            config.baseURL = (config.baseURL.hasSuffix("/") ? config.baseURL : config.baseURL + "/") + audience + "/"
        }
        let pages = pageIndices.map { allPages[$0] }
        var pageParameters: [Int: [String: Value]] = [:]
        for (position, index) in pageIndices.enumerated() { pageParameters[position] = expansion.parameters[index] }
        let parameters = pageParameters
        self.parameters = parameters
        var staticFiles = content.staticFiles
        var hidden: Set<String> = []
        if let audience {
            let shown = Set(pageIndices)
            for index in allPages.indices where !shown.contains(index) {
                let page = allPages[index]
                hidden.insert(page.sourcePath)
                hidden.insert(page.urlPath)
                if page.kind != .page { hidden.insert(page.sourceDirectory) }
                if let bundle = page.bundleDirectory { hidden.insert(bundle) }
            }
            let fileAudiences = audiences.audiences(ofStaticFiles: content.staticFiles.map(\.source), pages: allPages)
            staticFiles = []
            for (file, seenBy) in zip(content.staticFiles, fileAudiences) {
                if seenBy.contains(audience) {
                    staticFiles.append(file)
                } else {
                    hidden.insert(file.source)
                    hidden.insert(file.output)
                }
            }
        }
        self.staticFiles = staticFiles
        // The links' tables are made on another core while the site model is keyed and made
        // (or read back): the model's lists are made on one.
        let linking = Background { [pages, staticFiles, hidden, basePath = config.basePath] in
            LinkResolver(pages: pages, staticFiles: staticFiles, extraOutputs: ["404.html", MachineFiles.sitemapPath, "feed.xml"],
                         basePath: basePath, hidden: hidden)
        }
        let modelKeys = SiteModel.keys(of: pages)
        let restored = modelCache.model(prefix, key: modelKeys.shape, pages: pages)
        let model = restored ?? SiteModel(pages: pages)
        (self.model, self.modelKey, modelRestored) = (model, modelKeys.shape, restored != nil)
        let links = linking.result().adding(outputs: model.generatedOutputs)
        let context = PageContext(config: config, theme: theme, model: model, links: links, buildTime: options.buildTime,
                                  staticFiles: staticFiles, siteDirectory: options.siteDirectory)
        self.context = context
        let cachedPages = cachedMarkdown.isEmpty ? Array(repeating: nil, count: pages.count) : parallelMap(pages) { page in
            cachedMarkdown[BuildState.pageID(prefix: prefix, urlPath: page.urlPath)]
        }
        self.cachedPages = cachedPages
        // What the search index needs of the pages besides their new terms is gathered on
        // another core while the outputs' keys are worked out.
        searchPages = Background { SearchPages(model: model, urls: context.pageURLs, cachedPages: cachedPages) }
        var environment = StableHasher()
        environment.combine(environmentKey)
        environment.combine(prefix)
        let keys = RenderKeys(model: model, places: modelKeys.places, context: context, environment: environment.value,
                              snapshots: snapshots.all.map { $0.name + $0.contentHash },
                              parameters: parameters, staticFiles: staticFiles, siteDirectory: options.siteDirectory)
        self.keys = keys
        var sitemapKey = StableHasher()
        sitemapKey.combine(keys.shared)
        sitemapKey.combine(modelKeys.shape)
        self.sitemapKey = sitemapKey.value
        let jobs = SiteBuilder.renderJobs(model: model, context: context)
        self.jobs = jobs
        let outputPaths = parallelMap(jobs) { prefix + $0.outputPath(model: model, context: context) }
        self.outputPaths = outputPaths
        // Worked out once: compared with the last build's here, recorded for the next one.
        let outputKeys = parallelMap(jobs) { keys.key($0, model: model, context: context) }
        self.outputKeys = outputKeys
        let reusable = SiteBuilder.reusableOutputs(jobs, outputPaths: outputPaths, outputKeys: outputKeys, sitemapKey: sitemapKey.value,
                                                   model: model, prefix: prefix,
                                                   previous: previous, previousRelease: previousRelease, cachedPages: cachedPages)
        self.reusable = reusable
        markdownRenderer = MarkdownRenderer(unsafeHTML: config.unsafeHTML, allowedURLSchemes: config.allowedURLSchemes)
        blockEnvironment = blocks(config.basePath)
    }

    /// One page's Markdown, its data blocks run.
    func renderMarkdown(_ index: Int) -> PageRender {
        let page = model.pages[index]
        let source: [UInt8]
        do { source = try page.markdownBytes() } catch {
            return PageRender(markdown: RenderedMarkdown(html: "", headings: [], firstParagraph: "", diagnostics: [error]),
                              summary: nil, attachments: [], hasTables: false, snapshots: [])
        }
        // Only a page that may hold data blocks needs its Markdown as text, to find its queries.
        let blocks = page.mayHoldDataBlocks
            ? PageBlocks(page: page.withBody(source), environment: blockEnvironment, parameters: parameters[index] ?? [:]) : nil
        var markdown = markdownRenderer.render(page, markdown: source, links: context.links, hooks: blocks)
        // A query a block already reported is not reported twice.
        let unreported = (blocks?.problems ?? []).filter { !markdown.diagnostics.contains($0) }
        markdown.diagnostics = unreported + markdown.diagnostics
        // A page whose front matter has a summary never shows its first paragraph as one
        // (`PageContext.summary(_:fallback:)`): none is made, nor kept in its digest until the
        // build's end (at 100,000 pages, 40 MB).
        let ownSummary = context.summary(page, fallback: nil)
        return PageRender(markdown: markdown, summary: ownSummary != nil ? nil : context.summary(fromFirstParagraph: markdown.firstParagraph),
                          attachments: blocks?.attachments ?? [], hasTables: blocks?.hasTables ?? false,
                          snapshots: (blocks?.snapshotsUsed ?? []).map { .init(name: $0.name, takenAt: $0.takenAt) })
    }
}

/// What rendering a page leaves for the rest of the build and for the next build: its share
/// of the search index, its first paragraph as a summary (for the feed), its warnings, and the
/// files its data blocks added. Small, unlike the page's HTML, which is written and dropped.
/// Shared, not copied: a rebuild hands every unchanged page's digest from the cache on through
/// several lists.
final class PageDigest: Sendable {
    /// The page's first paragraph as a summary (`PageContext.summary(fromFirstParagraph:)`),
    /// for a page whose front matter has none.
    let summary: Summary
    let terms: PageTerms
    let diagnostics: [Diagnostic]
    /// Output paths of the page's attachments (CSV downloads).
    let attachments: [String]

    /// A summary from the build cache stays the cache's bytes until it is asked for: only the
    /// feed's pages are, of ten thousand read each build.
    enum Summary: Sendable {
        case text(String)
        case stored(ByteSlice)

        var text: String {
            switch self {
            case .text(let text): return text
            case .stored(let bytes): return String(decoding: bytes.buffer, as: UTF8.self)
            }
        }

        func encode(into out: inout ByteWriter) {
            switch self {
            case .text(let text): out.text(text)
            case .stored(let bytes): out.blob(bytes)
            }
        }
    }

    init(summary: Summary, terms: PageTerms, diagnostics: [Diagnostic], attachments: [String]) {
        self.summary = summary
        self.terms = terms
        self.diagnostics = diagnostics
        self.attachments = attachments
    }

    /// The same digest with other search terms.
    func with(terms: PageTerms) -> PageDigest { PageDigest(summary: summary, terms: terms, diagnostics: diagnostics, attachments: attachments) }
}

/// One tree's search index: the last release's files when the documents and synonyms are
/// the same as then, else built anew.
struct SearchBuild: Sendable {
    /// One hash over every document and the synonyms: equal keys, equal index files.
    let key: UInt64
    /// Paths include the tree's folder.
    let files: [(path: String, source: OutputPlan.Source)]
    /// For the next build (`IndexMemory`).
    let memory: IndexMemory?

    /// The last build's index files, when the release the new one is made from holds them
    /// all, and the key they were made with.
    struct LastFiles: Sendable {
        /// Empty when the release is not the last build's or lacks any of them.
        var files: [String] = []
        var key: UInt64?

        init(previous: (state: BuildState, release: String)?, prefix: String) {
            guard let previous else { return }
            let files = previous.state.searchFiles(under: prefix)
            guard files.allSatisfy({ FileSystem.exists(previous.release + "/" + $0) }) else { return }
            (self.files, key) = (files, previous.state.searchKeys[prefix])
        }
    }

    init(documents: [SearchDocument], synonyms: [[String]], prefix: String, lastFiles: LastFiles,
         previousIndex: consuming IndexMemory.Previous?) {
        let inputs = IndexInputs(documents, synonyms: synonyms)
        var hasher = StableHasher()
        hasher.combine(BuildState.toolFingerprint)
        hasher.combine(inputs.key)
        key = hasher.value
        let kept = !lastFiles.files.isEmpty
        if kept, lastFiles.key == key {
            files = lastFiles.files.map { ($0, .previous) }
            memory = previousIndex?.memory
            return
        }
        // Files the update of the memory left as they were are taken from the last release.
        let index = SearchIndex.build(inputs, previous: consume previousIndex, leavingOutUnchanged: kept)
        files = index.files.map { (prefix + $0.path, $0.bytes.map(OutputPlan.Source.bytes) ?? .previous) }
        memory = index.memory
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
    /// The first paragraph as a summary (`PageContext.summary(fromFirstParagraph:)`), worked
    /// out once for the page's template and its digest; nil for a page whose front matter has
    /// a summary of its own.
    var summary: String?
    var attachments: [(path: String, bytes: [UInt8])]
    var hasTables: Bool
    var snapshots: [SnapshotUse]
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

