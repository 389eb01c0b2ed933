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
    /// What loading each Markdown file found, with its path inside `content/` as a key
    /// (`LoadedFile.key`), for the next build; in file order (a later record of one key
    /// stands for an earlier one).
    public var loadedRecords: [(key: StableKey, record: LoadedFile.Stored)] = []

    /// The same by key.
    public var loadedFiles: [StableKey: LoadedFile.Stored] {
        Dictionary(loadedRecords, uniquingKeysWith: { _, later in later })
    }

    public init(pages: [Page], staticFiles: [(source: String, output: String)]) {
        self.pages = pages
        self.staticFiles = staticFiles
    }
}

/// What loading one Markdown file found: its front matter, parsed and checked, and where its
/// body starts. The build cache keeps it, so that the next build does not read, check, split
/// and parse a file whose status (size, times, inode) is the one it had: a rebuild after one
/// edit reads one file, not ten thousand. A file changed without its status changing is still
/// caught when its page renders (its bytes must hash to `sourceHash`).
public struct LoadedFile: Sendable {
    /// Taken before the file was read: a change while it was read shows as a new status next time.
    var status: FileSystem.Status
    var frontMatter: FrontMatter
    /// What checking the front matter found (a file with errors is not kept).
    var problems: [Diagnostic]
    /// The front matter's text, hashed (`Page.frontMatterHash`).
    var frontMatterHash: UInt64
    var bodyOffset: Int
    var bodyLineOffset: Int
    var mayHoldDataBlocks: Bool
    var sourceHash: UInt64

    public func encode(into out: inout ByteWriter) {
        out.integer(status.size)
        out.integer(status.modified)
        out.integer(status.changed)
        out.word(status.inode)
        out.word(status.device)
        out.byte(status.isDirectory ? 1 : 0)
        frontMatter.encode(into: &out)
        out.small(problems.count)
        for problem in problems { problem.encode(into: &out) }
        out.word(frontMatterHash)
        out.integer(bodyOffset)
        out.integer(bodyLineOffset)
        out.byte(mayHoldDataBlocks ? 1 : 0)
        out.word(sourceHash)
    }

    /// A file's path inside `content/` as the build cache knows it. Two paths of one hash
    /// would share a record, which then fits the status of one file only: the other is read.
    public static func key(_ path: String) -> StableKey { StableKey(StableHasher.hash(path)) }

    /// Nil at damaged bytes. `status`, when given, is the record's own, read already: its
    /// bytes are passed over.
    public static func decode(_ input: inout ByteReader, status known: FileSystem.Status? = nil) -> LoadedFile? {
        guard let status = known.flatMap({ input.skip(statusBytes) == nil ? nil : $0 }) ?? decodeStatus(&input),
              let frontMatter = FrontMatter.decode(&input),
              let problemCount = input.small(limit: input.remaining) else { return nil }
        var problems: [Diagnostic] = []
        for _ in 0..<problemCount {
            guard let problem = Diagnostic.decode(&input) else { return nil }
            problems.append(problem)
        }
        guard let frontMatterHash = input.word(), let bodyOffset = input.count(limit: Int.max), let bodyLineOffset = input.count(limit: Int.max),
              let mayHoldDataBlocks = input.byte(), let sourceHash = input.word() else { return nil }
        return LoadedFile(status: status, frontMatter: frontMatter, problems: problems, frontMatterHash: frontMatterHash,
                          bodyOffset: bodyOffset, bodyLineOffset: bodyLineOffset, mayHoldDataBlocks: mayHoldDataBlocks == 1,
                          sourceHash: sourceHash)
    }

    /// Three integers, two words and a byte (`encode`).
    private static let statusBytes = 3 * 8 + 2 * 8 + 1

    private static func decodeStatus(_ input: inout ByteReader) -> FileSystem.Status? {
        guard let size = input.count(limit: Int.max), let modified = input.integer(), let changed = input.integer(),
              let inode = input.word(), let device = input.word(), let isDirectory = input.byte() else { return nil }
        return .init(size: size, modified: Int(modified), changed: Int(changed), inode: inode, device: device, isDirectory: isDirectory == 1)
    }

    /// A record as the build cache holds it: the file's status, read at once, and the rest
    /// left in the cache's bytes until loading finds the file unchanged. It is decoded there,
    /// on every core, rather than ten thousand at a time before loading starts. A file read
    /// anew keeps its record as it is until the cache is written (its front matter is the
    /// page's own, not a copy).
    public struct Stored: Sendable {
        public let status: FileSystem.Status
        private let source: Source

        /// A record made from its file is boxed: records are moved and copied ten thousand at
        /// a time, and a front matter inline is a few hundred bytes and a dozen references.
        private enum Source: Sendable {
            case bytes(SharedBytes, Range<Int>)
            indirect case record(LoadedFile)
        }

        /// The record in `range` of `bytes` (`LoadedFile.encode`); nil when its status is damaged.
        public init?(_ bytes: SharedBytes, range: Range<Int>) {
            var input = ByteReader(bytes, range: range)
            guard let status = LoadedFile.decodeStatus(&input) else { return nil }
            self.status = status
            source = .bytes(bytes, range)
        }

        public init(_ record: LoadedFile) {
            status = record.status
            source = .record(record)
        }

        /// Whether the record was read from the build cache (rather than made from its file).
        public var isFromCache: Bool {
            if case .bytes = source { return true }
            return false
        }

        /// Length first, then the record: the next build finds each record without decoding
        /// it, and a record read from the cache is written back as it was read.
        public func encode(into out: inout ByteWriter) {
            switch source {
            case .bytes(let bytes, let range):
                out.blob(bytes[range])
            case .record(let record):
                out.blob { record.encode(into: &$0) }
            }
        }

        /// The whole record; nil at damaged bytes.
        func loaded() -> LoadedFile? {
            switch source {
            case .bytes(let bytes, let range):
                var input = ByteReader(bytes, range: range)
                guard let loaded = LoadedFile.decode(&input, status: status), input.isAtEnd else { return nil }
                return loaded
            case .record(let record):
                return record
            }
        }
    }

}

/// Reads `content/`: walks folders, splits front matter, places pages at their URLs.
public enum ContentLoader {
    struct FoundFile: Sendable {
        var relativePath: String
        var kind: Page.Kind
        var bundleDirectory: String?
        var sectionPath: String
        /// Taken as its folder was listed, when it was.
        var status: FileSystem.Status?
    }

    /// A folder of `content/` as the walk found it: its entries, and the section and bundle
    /// its files belong to. Its files are told apart (page or other file) on every core, as
    /// they are read: a folder of thousands of FAQ entries is not gone through twice on one.
    struct Folder: Sendable {
        /// Inside `content/`; empty for `content/` itself.
        var relative: String
        /// The section above the folder's own (that of a section's `_index.md`).
        var parentSection: String
        /// The section the folder's other pages belong to: the folder itself when it has an `_index.md`.
        var section: String
        /// The bundle the folder is or is in.
        var bundle: String?
        var entries: [FileSystem.Listed]

        /// What the entry at `index` is: a page's file, or a file copied as it is.
        enum File {
            case page(FoundFile)
            /// Its path inside `content/`.
            case copied(String)
        }

        func file(_ index: Int) -> File {
            let entry = entries[index]
            let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
            guard Self.isMarkdown(entry.name) && (bundle == nil || bundle == relative && entry.name == "index.md") else { return .copied(path) }
            let kind: Page.Kind
            if entry.name == "_index.md" { kind = relative.isEmpty ? .home : .section } else { kind = .page }
            return .page(FoundFile(relativePath: path, kind: kind, bundleDirectory: entry.name == "index.md" ? bundle : nil,
                                    // A section belongs to the nearest section above its folder.
                                    sectionPath: kind == .section ? parentSection : section, status: entry.status))
        }

        /// A name ending in `.md`, by its bytes.
        static func isMarkdown(_ name: String) -> Bool {
            var name = name
            return name.withUTF8 { bytes in
                bytes.count >= 3 && bytes[bytes.count - 3] == UInt8(ascii: ".") && bytes[bytes.count - 2] == UInt8(ascii: "m")
                    && bytes[bytes.count - 1] == UInt8(ascii: "d")
            }
        }
    }

    /// What loading made of one entry of a folder: a page (unless it is a draft left out) with
    /// its URL's key, the file's problems and record, by the file's key; or a file copied as
    /// it is.
    enum Loaded {
        case page(StableKey, (Page, URLKey)?, [Diagnostic], LoadedFile.Stored?)
        case copied(String)
    }

    /// Loads every page under `siteDirectory/content`. Errors in any file are collected and
    /// thrown together; warnings are returned beside the content. A file in `known` (the last
    /// build's `loadedFiles`) with the same status is not read again. `folders` (by path inside
    /// `content/`) are listings with statuses taken before loading began, where the caller has
    /// them (`FileSystem.statuses(in:)`); other folders are listed here. A site of up to
    /// `heldBytes` of Markdown keeps the files it reads for its pages to render from.
    public static func load(siteDirectory: String, includeDrafts: Bool = false, known: [StableKey: LoadedFile.Stored] = [:],
                            folders: [String: [FileSystem.Listed]] = [:],
                            heldBytes: Int = ContentLoader.heldBytes) throws(DiagnosticsError) -> (SiteContent, [Diagnostic]) {
        let contentRoot = siteDirectory + "/content"
        guard FileSystem.isDirectory(contentRoot) else {
            throw DiagnosticsError([.error("content", "no content folder: create content/ with Markdown files")])
        }
        let resolvedRoot = FileSystem.resolvedPath(contentRoot) ?? contentRoot
        var scanned: [Folder] = []
        var entries: [(folder: Int, entry: Int)] = []
        var problems: [Diagnostic] = []
        walk(root: contentRoot, resolvedRoot: resolvedRoot, relative: "", sectionPath: "", bundle: nil,
             visited: [], listed: folders, into: &scanned, entries: &entries, problems: &problems)

        var pages: [Page] = []
        pages.reserveCapacity(entries.count)
        var urlKeys: [URLKey] = []
        urlKeys.reserveCapacity(entries.count)
        var loadedRecords: [(key: StableKey, record: LoadedFile.Stored)] = []
        loadedRecords.reserveCapacity(entries.count)
        var statics: [(String, String)] = []
        // What is known of each page as it is made (on every core) comes along: here, in
        // file order on one thread, the page is not read again.
        let markdownBytes = entries.reduce(0) { total, found in
            let entry = scanned[found.folder].entries[found.entry]
            return Folder.isMarkdown(entry.name) ? total + max(entry.status?.size ?? 0, 0) : total
        }
        let holdsFiles = markdownBytes <= heldBytes
        parallelMap(entries, { [scanned] found -> Loaded in
            switch scanned[found.folder].file(found.entry) {
            case .page(let file):
                let key = LoadedFile.key(file.relativePath)
                let (page, problems, record) = readPage(file, contentRoot: contentRoot, known: known[key], holdsFile: holdsFiles)
                let kept = page.flatMap { includeDrafts || !$0.frontMatter.draft ? ($0, URLKey($0.urlPath)) : nil }
                return .page(key, kept, problems, record)
            case .copied(let path):
                return .copied(path)
            }
        }, taking: { loaded in
            switch loaded {
            case .page(let key, let kept, let pageProblems, let record):
                if !pageProblems.isEmpty { problems += pageProblems }
                if let record { loadedRecords.append((key, record)) }
                if let (page, urlKey) = kept {
                    pages.append(page)
                    urlKeys.append(urlKey)
                }
            case .copied(let path):
                statics.append((path, path))
            }
        })
        if !problems.errors.isEmpty { throw DiagnosticsError(problems.sortedByLocation()) }
        if !pages.contains(where: { $0.kind == .home }) {
            // A folder of Markdown without content/_index.md still gets a home page.
            pages.insert(Page(kind: .home, sourcePath: "_index.md", frontMatter: FrontMatter(), body: "",
                              bodyLineOffset: 0, urlPath: "", sectionPath: "", bundleDirectory: nil), at: 0)
            urlKeys.insert(URLKey(""), at: 0)
        }
        try checkURLs(pages, keys: urlKeys)

        let bundleOutputs = Dictionary(pages.compactMap { page in page.bundleDirectory.map { ($0, page.urlPath) } },
                                       uniquingKeysWith: { first, _ in first })
        let staticFiles = statics.map { source, defaultOutput -> (source: String, output: String) in
            // A bundle's resources follow the bundle's URL, which a slug may have changed.
            for (directory, url) in bundleOutputs where source.hasPrefix(directory + "/") {
                return (source, url + source.dropFirst(directory.count + 1))
            }
            return (source, defaultOutput)
        }
        var content = SiteContent(pages: pages, staticFiles: staticFiles)
        content.loadedRecords = loadedRecords
        return (content, problems)
    }

    /// Lists the folders of `content/` (from `listed` where it has them) into `folders`, in
    /// order, and the entries of each that are files (not hidden) into `entries`.
    private static func walk(root: String, resolvedRoot: String, relative: String, sectionPath: String, bundle: String?,
                             visited: Set<String>, listed: [String: [FileSystem.Listed]], into folders: inout [Folder],
                             entries files: inout [(folder: Int, entry: Int)], problems: inout [Diagnostic]) {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        let entries: [FileSystem.Listed]
        if let listing = listed[relative] {
            entries = listing
        } else {
            do {
                entries = try FileSystem.listDirectory(absolute).map {
                    FileSystem.Listed(name: $0.name, status: nil, isDirectory: $0.isDirectory, isSymlink: $0.isSymlink)
                }
            } catch {
                problems.append(.error("content/" + relative, "cannot read folder: \(error)"))
                return
            }
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
        let hasSectionIndex = entries.contains { $0.name == "_index.md" }
        let isSection = hasSectionIndex && bundle == nil
        let isBundle = bundle == nil && !hasSectionIndex && !relative.isEmpty && entries.contains { $0.name == "index.md" }
        let folder = folders.count
        folders.append(Folder(relative: relative, parentSection: sectionPath, section: isSection ? relative : sectionPath,
                              bundle: bundle ?? (isBundle ? relative : nil), entries: entries))

        for (index, entry) in entries.enumerated() where entry.name.utf8.first != UInt8(ascii: ".") {
            if entry.isSymlink {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
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
                walk(root: root, resolvedRoot: resolvedRoot, relative: relative.isEmpty ? entry.name : relative + "/" + entry.name,
                     sectionPath: folders[folder].section, bundle: folders[folder].bundle,
                     visited: visitedHere, listed: listed, into: &folders, entries: &files, problems: &problems)
            } else {
                files.append((folder, index))
            }
        }
    }

    /// A page from its file, or from what the last build found in it when its status is the same.
    private static func readPage(_ file: FoundFile, contentRoot: String, known: LoadedFile.Stored?,
                                 holdsFile: Bool) -> (Page?, [Diagnostic], LoadedFile.Stored?) {
        let status = file.status ?? FileSystem.status(contentRoot + "/" + file.relativePath)
        if let known, let status, known.status == status, let loaded = known.loaded() {
            let (page, problems) = page(file, loaded, contentRoot: contentRoot)
            return (page, problems, known)
        }
        let path = "content/" + file.relativePath
        let fullPath = contentRoot + "/" + file.relativePath
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(fullPath, size: status?.size) } catch {
            return (nil, [.error(path, "cannot read: \(error)")], nil)
        }
        let hasNUL = bytes.withUnsafeBytes { $0.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
        guard !hasNUL, UTF8Validation.isValid(bytes) else {
            return (nil, [textProblem(bytes, path: path)], nil)
        }
        let yaml: String?
        let bodyOffset: Int
        let lineOffset: Int
        do { (yaml, bodyOffset, lineOffset) = try FrontMatter.split(utf8: bytes, path: path) } catch { return (nil, [error], nil) }
        let mayHoldDataBlocks = bytes.withUnsafeBufferPointer { Page.mayHoldDataBlocks(UnsafeBufferPointer(rebasing: $0[bodyOffset...])) }
        let (matter, matterProblems) = yaml.map { FrontMatter.parse($0, path: path) } ?? (FrontMatter(), [])
        // A file whose status could not be taken is read again next time (a size of -1 matches none).
        let loaded = LoadedFile(status: status ?? .init(size: -1, modified: 0, changed: 0, inode: 0, device: 0, isDirectory: false),
                                frontMatter: matter, problems: matterProblems, frontMatterHash: StableHasher.hash(yaml ?? ""),
                                bodyOffset: bodyOffset, bodyLineOffset: lineOffset,
                                mayHoldDataBlocks: mayHoldDataBlocks, sourceHash: StableHasher.hash(bytes: bytes))
        let (page, problems) = page(file, loaded, contentRoot: contentRoot, held: holdsFile ? HeldBytes(bytes) : nil)
        return (page, problems, page == nil || status == nil ? nil : LoadedFile.Stored(loaded))
    }

    /// Up to how many bytes of Markdown a site has for loading to keep the files it reads for
    /// their pages to render from, rather than read each again (`Page.markdownBytes()`). Most
    /// sites are far smaller; a larger one reads each page's file again as it renders, so its
    /// text is never all in memory at once.
    public static let heldBytes = 96 << 20

    /// The page of a file as loading found it; its body stays in the file until the page
    /// renders, or is held in memory for it (`held`).
    private static func page(_ file: FoundFile, _ loaded: consuming LoadedFile, contentRoot: String,
                             held: HeldBytes? = nil) -> (Page?, [Diagnostic]) {
        if !loaded.problems.errors.isEmpty { return (nil, loaded.problems) }
        let url = urlPath(kind: file.kind, sourcePath: file.relativePath, bundleDirectory: file.bundleDirectory,
                          slug: loaded.frontMatter.slug)
        let page = Page(kind: file.kind, sourcePath: file.relativePath, frontMatter: loaded.frontMatter, bodyIn: contentRoot, held: held,
                        urlPath: url, size: loaded.status.size, offset: loaded.bodyOffset, bodyLineOffset: loaded.bodyLineOffset, mayHoldDataBlocks: loaded.mayHoldDataBlocks,
                        sectionPath: file.sectionPath, bundleDirectory: file.bundleDirectory,
                        sourceHash: loaded.sourceHash, frontMatterHash: loaded.frontMatterHash)
        return (page, loaded.problems)
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

    /// Where a page is published, without base path: `faq/loans/rate.md` at `faq/loans/rate/`,
    /// a section at its folder, a bundle at its folder's name, a slug in place of the name.
    static func urlPath(kind: Page.Kind, sourcePath: String, bundleDirectory: String?, slug: String?) -> String {
        switch kind {
        case .home:
            return ""
        case .section:
            let folder = FileSystem.parentPath(sourcePath)
            return (folder == "." ? "" : folder) + "/"
        case .page where bundleDirectory == nil && slug == nil:
            // Most pages: `.md` becomes `/`, byte for byte (`dropLast` on the text walks back
            // by characters).
            var path = sourcePath
            return path.withUTF8 { bytes in
                String(unsafeUninitializedCapacity: bytes.count - 2) { url in
                    _ = url.initialize(from: bytes.prefix(bytes.count - 3))
                    url[bytes.count - 3] = UInt8(ascii: "/")
                    return bytes.count - 2
                }
            }
        case .page:
            let parent = FileSystem.parentPath(sourcePath)
            let directory = bundleDirectory.map { FileSystem.parentPath("/" + $0).trimmingSlashes } ?? (parent == "." ? "" : parent)
            let name = bundleDirectory.map(FileSystem.lastComponent) ?? String(FileSystem.lastComponent(sourcePath).dropLast(3))
            return (directory.isEmpty ? "" : directory + "/") + (slug ?? name) + "/"
        }
    }

    /// What finds a page's URL among the others: URLs in ASCII (most) by a hash of their
    /// bytes, the others as `String` compares them, so that two spellings of one text
    /// (composed and decomposed) are one URL here as they are in the rest of the build.
    struct URLKey {
        /// Nil for a URL not in ASCII.
        let asciiHash: UInt64?

        init(_ url: String) {
            var url = url
            asciiHash = url.withUTF8 { bytes in
                bytes.allSatisfy { $0 < 0x80 } ? StableHasher.hash(bytes: UnsafeRawBufferPointer(bytes)) : nil
            }
        }
    }

    /// Two pages at one URL are an error naming both files. `keys` are the pages' URLs' (`URLKey`).
    static func checkURLs(_ pages: [Page], keys: [URLKey]) throws(DiagnosticsError) {
        var asciiOwners: [UInt64: Int] = [:]
        asciiOwners.reserveCapacity(pages.count)
        var textOwners: [String: Int] = [:]
        var problems: [Diagnostic] = []
        for index in pages.indices {
            // A page's URL is read only where its hash is not enough.
            func textOwner() -> Int? {
                let url = pages[index].urlPath
                if let owner = textOwners[url] { return owner }
                textOwners[url] = index
                return nil
            }
            let other: Int?
            if let hash = keys[index].asciiHash {
                if let owner = asciiOwners.updateValue(index, forKey: hash) {
                    // Another URL of the same hash is told apart by its text.
                    asciiOwners[hash] = owner
                    other = pages[owner].urlPath == pages[index].urlPath ? owner : textOwner()
                } else {
                    other = nil
                }
            } else {
                other = textOwner()
            }
            if let other {
                let page = pages[index]
                let slug = page.frontMatterField("slug")
                problems.append(.error(page.diagnosticPath, line: slug?.line ?? 1, column: slug?.column ?? 1,
                                       "duplicate URL /\(page.urlPath): \(pages[other].diagnosticPath) is published there too"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
    }
}
