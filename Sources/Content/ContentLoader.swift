import DeskbookSupport
#if canImport(Glibc)
import Glibc
#endif

/// Everything read from `content/`: pages (drafts already left out) and the other files that
/// are copied as they are (images, course materials).
public struct SiteContent: Sendable {
    public var pages: [Page]
    /// Non-Markdown files: path inside `content/` -> output path (without base path).
    public var staticFiles: [(source: String, output: String)]

    public init(pages: [Page], staticFiles: [(source: String, output: String)]) {
        self.pages = pages
        self.staticFiles = staticFiles
    }
}

/// Reads `content/`: walks folders, splits front matter, places pages at their URLs.
public enum ContentLoader {
    struct FoundFile: Sendable {
        var relativePath: String
        var kind: Page.Kind
        var bundleDirectory: String?
        var sectionPath: String
    }

    /// Loads every page under `siteDirectory/content`. Errors in any file are collected and
    /// thrown together; warnings are returned beside the content.
    public static func load(siteDirectory: String, includeDrafts: Bool = false) throws(DiagnosticsError) -> (SiteContent, [Diagnostic]) {
        let contentRoot = siteDirectory + "/content"
        guard FileSystem.isDirectory(contentRoot) else {
            throw DiagnosticsError([.error("content", "no content folder: create content/ with Markdown files")])
        }
        let resolvedRoot = FileSystem.resolvedPath(contentRoot) ?? contentRoot
        var files: [FoundFile] = []
        var statics: [(String, String)] = []
        var problems: [Diagnostic] = []
        walk(root: contentRoot, resolvedRoot: resolvedRoot, relative: "", sectionPath: "", bundle: nil,
             visited: [], files: &files, statics: &statics, problems: &problems)

        let loaded = parallelMap(files) { file in readPage(file, contentRoot: contentRoot) }
        var pages: [Page] = []
        for (page, diagnostics) in loaded {
            problems += diagnostics
            if let page, includeDrafts || !page.frontMatter.draft { pages.append(page) }
        }
        if !problems.errors.isEmpty { throw DiagnosticsError(problems.sortedByLocation()) }
        if !pages.contains(where: { $0.kind == .home }) {
            // A folder of Markdown without content/_index.md still gets a home page.
            pages.insert(Page(kind: .home, sourcePath: "_index.md", frontMatter: FrontMatter(), body: "",
                              bodyLineOffset: 0, urlPath: "", sectionPath: "", bundleDirectory: nil), at: 0)
        }
        try assignURLs(&pages)

        let bundleOutputs = Dictionary(pages.compactMap { page in page.bundleDirectory.map { ($0, page.urlPath) } },
                                       uniquingKeysWith: { first, _ in first })
        let staticFiles = statics.map { source, defaultOutput -> (source: String, output: String) in
            // A bundle's resources follow the bundle's URL, which a slug may have changed.
            for (directory, url) in bundleOutputs where source.hasPrefix(directory + "/") {
                return (source, url + source.dropFirst(directory.count + 1))
            }
            return (source, defaultOutput)
        }
        return (SiteContent(pages: pages, staticFiles: staticFiles), problems)
    }

    private static func walk(root: String, resolvedRoot: String, relative: String, sectionPath: String, bundle: String?,
                             visited: Set<String>, files: inout [FoundFile], statics: inout [(String, String)],
                             problems: inout [Diagnostic]) {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        let entries: [FileSystem.Entry]
        do { entries = try FileSystem.listDirectory(absolute) } catch {
            problems.append(.error("content/" + relative, "cannot read folder: \(error)"))
            return
        }
        guard let resolvedHere = FileSystem.resolvedPath(absolute) else {
            problems.append(.error("content/" + relative, "cannot resolve folder (symlink loop?)"))
            return
        }
        if visited.contains(resolvedHere) {
            problems.append(.error("content/" + relative, "symlink loop: this folder contains itself"))
            return
        }
        let visitedHere = visited.union([resolvedHere])
        let names = Set(entries.map(\.name))
        let isSection = names.contains("_index.md") && bundle == nil
        let isBundle = bundle == nil && names.contains("index.md") && !relative.isEmpty && !names.contains("_index.md")
        let currentSection = isSection ? relative : sectionPath
        let currentBundle = bundle ?? (isBundle ? relative : nil)

        for entry in entries where !entry.name.hasPrefix(".") {
            let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
            if entry.isSymlink {
                guard let target = FileSystem.resolvedPath(root + "/" + path) else {
                    problems.append(.error("content/" + path, "broken symlink or symlink loop"))
                    continue
                }
                guard target == resolvedRoot || target.hasPrefix(resolvedRoot + "/") else {
                    problems.append(.error("content/" + path, "symlink leads outside the content folder to \(target)"))
                    continue
                }
            }
            if entry.isDirectory {
                walk(root: root, resolvedRoot: resolvedRoot, relative: path, sectionPath: currentSection, bundle: currentBundle,
                     visited: visitedHere, files: &files, statics: &statics, problems: &problems)
            } else if entry.name.hasSuffix(".md") && (currentBundle == nil || currentBundle == relative && entry.name == "index.md") {
                let kind: Page.Kind
                if entry.name == "_index.md" { kind = relative.isEmpty ? .home : .section } else { kind = .page }
                files.append(FoundFile(relativePath: path, kind: kind,
                                       bundleDirectory: entry.name == "index.md" ? currentBundle : nil,
                                       // A section belongs to the nearest section above its folder.
                                       sectionPath: kind == .section ? sectionPath : currentSection))
            } else {
                statics.append((path, path))
            }
        }
    }

    private static func readPage(_ file: FoundFile, contentRoot: String) -> (Page?, [Diagnostic]) {
        let path = "content/" + file.relativePath
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(contentRoot + "/" + file.relativePath) } catch {
            return (nil, [.error(path, "cannot read: \(error)")])
        }
        let hasNUL = bytes.withUnsafeBytes { $0.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
        guard !hasNUL, String(validating: bytes, as: UTF8.self) != nil else {
            return (nil, [textProblem(bytes, path: path)])
        }
        let yaml: String?
        let bodyOffset: Int
        let lineOffset: Int
        do { (yaml, bodyOffset, lineOffset) = try FrontMatter.split(utf8: bytes, path: path) } catch { return (nil, [error]) }
        var matter = FrontMatter()
        var problems: [Diagnostic] = []
        if let yaml { (matter, problems) = FrontMatter.parse(yaml, path: path) }
        if !problems.errors.isEmpty { return (nil, problems) }
        var page = Page(kind: file.kind, sourcePath: file.relativePath, frontMatter: matter, body: "",
                        bodyLineOffset: lineOffset, urlPath: "", sectionPath: file.sectionPath,
                        bundleDirectory: file.bundleDirectory)
        page.sourceHash = StableHasher.hash(bytes: bytes)
        page.frontMatterHash = StableHasher.hash(yaml ?? "")
        // The body goes back to its file until the page renders.
        let mayHoldDataBlocks = bytes.withUnsafeBufferPointer { Page.mayHoldDataBlocks(UnsafeBufferPointer(rebasing: $0[bodyOffset...])) }
        page.leaveBodyInFile(path: contentRoot + "/" + file.relativePath, offset: bodyOffset, mayHoldDataBlocks: mayHoldDataBlocks)
        return (page, problems)
    }

    /// Markdown must be UTF-8 text; a binary file or another encoding is named, not rendered
    /// as noise. Called only for a file that failed validation, to say where.
    static func textProblem(_ bytes: [UInt8], path: String) -> Diagnostic {
        if bytes.contains(0) { return .error(path, "not a text file (it contains NUL bytes)") }
        var line = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if scalar == "\n" { line += 1 }
        }
        return .error(path, line: line, "invalid UTF-8: save the file as UTF-8")
    }

    /// Gives every page its URL; two pages at one URL are an error naming both files.
    static func assignURLs(_ pages: inout [Page]) throws(DiagnosticsError) {
        var owners: [String: Int] = [:]
        var problems: [Diagnostic] = []
        for index in pages.indices {
            let page = pages[index]
            var url: String
            switch page.kind {
            case .home:
                url = ""
            case .section:
                url = page.sourceDirectory + "/"
            case .page:
                let directory = page.bundleDirectory.map { FileSystem.parentPath("/" + $0).trimmingSlashes } ?? page.sourceDirectory
                let name = page.bundleDirectory.map(FileSystem.lastComponent) ?? String(FileSystem.lastComponent(page.sourcePath).dropLast(3))
                let segment = page.frontMatter.slug ?? name
                url = (directory.isEmpty ? "" : directory + "/") + segment + "/"
            }
            pages[index].urlPath = url
            if let other = owners[url] {
                let first = pages[other]
                let slug = page.frontMatter["slug"]
                problems.append(.error(page.diagnosticPath, line: slug?.line ?? 1, column: slug?.column ?? 1,
                                       "duplicate URL /\(url): \(first.diagnosticPath) is published there too"))
            } else {
                owners[url] = index
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
    }
}
