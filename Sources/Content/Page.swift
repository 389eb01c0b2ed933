import DeskbookSupport
#if canImport(Glibc)
import Glibc
#endif

/// One Markdown file of `content/`, read and placed in the site.
public struct Page: Sendable {
    public enum Kind: String, Sendable {
        /// `content/_index.md`
        case home
        /// A folder's `_index.md`
        case section
        /// Any other `.md` file, or a bundle's `index.md`
        case page
    }

    /// The page's fields live in one shared box: pages are read by value all through the build
    /// (lists, keys, links), and a copy is then one retain instead of one for each of the
    /// fifteen fields. The box never changes (a changed page gets a box of its own), so that
    /// reading a field borrows it in place: a changeable one is read under an exclusivity
    /// check, and its front matter was copied out whole at each key read.
    @usableFromInline final class Box: Sendable {
        @usableFromInline let fields: Fields
        @usableFromInline init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline struct Fields: Sendable {
        @usableFromInline var kind: Kind
        @usableFromInline var sourcePath: String
        @usableFromInline var frontMatter: FrontMatter
        @usableFromInline var body: String
        @usableFromInline var bodyFile: (folder: String, size: Int, offset: Int)?
        /// The file's bytes as loading read them, while they are held (see `markdownBytes()`).
        @usableFromInline var heldFile: HeldBytes?
        @usableFromInline var appendix = ""
        @usableFromInline var mayHoldDataBlocks: Bool
        @usableFromInline var bodyLineOffset: Int
        @usableFromInline var urlPath: String
        @usableFromInline var sectionPath: String
        @usableFromInline var bundleDirectory: String?
        @usableFromInline var sourceHash: UInt64 = 0
        @usableFromInline var frontMatterHash: UInt64 = 0
    }

    @usableFromInline var box: Box

    /// The fields, for changing: the changed fields go into a new box.
    @usableFromInline var fields: Fields {
        get { box.fields }
        _modify {
            var changed = box.fields
            yield &changed
            box = Box(changed)
        }
    }

    @inlinable public var kind: Kind {
        _read { yield box.fields.kind }
        set { fields.kind = newValue }
    }
    /// Path inside `content/`, e.g. `faq/loans/rate.md`.
    @inlinable public var sourcePath: String {
        _read { yield box.fields.sourcePath }
        set { fields.sourcePath = newValue }
    }
    @inlinable public var frontMatter: FrontMatter {
        _read { yield box.fields.frontMatter }
        set { fields.frontMatter = newValue }
    }
    /// The Markdown after the front matter. A page read from a file holds it only while it
    /// renders: `ContentLoader` leaves it in the file (`bodyFile`) and `loadingBody()` reads it
    /// back, so a large site's text is never all in memory at once.
    @inlinable public var body: String {
        _read { yield box.fields.body }
        set { fields.body = newValue }
    }
    /// Where `body` was left: the folder `sourcePath` is in (`content/`, as an absolute path)
    /// and the byte the body starts at.
    @inlinable public var bodyFile: (folder: String, size: Int, offset: Int)? {
        _read { yield box.fields.bodyFile }
        set { fields.bodyFile = newValue }
    }
    /// A key of the front matter as written (`FrontMatter.subscript`), read in the page's box:
    /// read through `frontMatter`, the whole front matter is copied out first, and this runs
    /// for every page of the site.
    @inlinable public func frontMatterField(_ key: String) -> YAMLNode? {
        for field in box.fields.frontMatter.fields where field.key == key { return field.value }
        return nil
    }
    /// Markdown added after the body when the page renders (a course's sessions, from a snapshot).
    @inlinable public var appendix: String { _read { yield box.fields.appendix } }
    /// Whether the body or appendix has `{{` or a `sql`, `chart`, `table` or `kpi` fence: only
    /// such a page can hold data blocks or inline values; the others skip the scan for queries.
    @inlinable public var mayHoldDataBlocks: Bool { box.fields.mayHoldDataBlocks }
    /// Lines of the file before the body, so Markdown positions map back to file lines.
    @inlinable public var bodyLineOffset: Int {
        _read { yield box.fields.bodyLineOffset }
        set { fields.bodyLineOffset = newValue }
    }
    /// Output path without base path, with a trailing slash: `faq/loans/rate/`; empty for home.
    @inlinable public var urlPath: String {
        _read { yield box.fields.urlPath }
        set { fields.urlPath = newValue }
    }
    /// Folder inside `content/` of the section the page belongs to (`faq/loans`); empty for the root.
    @inlinable public var sectionPath: String {
        _read { yield box.fields.sectionPath }
        set { fields.sectionPath = newValue }
    }
    /// For a bundle (`training/c1/index.md`), its folder; resources beside it belong to it.
    @inlinable public var bundleDirectory: String? {
        _read { yield box.fields.bundleDirectory }
        set { fields.bundleDirectory = newValue }
    }
    /// Hashes of the whole file and of its front matter alone, for the build cache: a page
    /// whose file is unchanged renders the same Markdown; one whose front matter is unchanged
    /// looks the same in lists.
    @inlinable public var sourceHash: UInt64 {
        _read { yield box.fields.sourceHash }
        set { fields.sourceHash = newValue }
    }
    @inlinable public var frontMatterHash: UInt64 {
        _read { yield box.fields.frontMatterHash }
        set { fields.frontMatterHash = newValue }
    }

    public init(kind: Kind, sourcePath: String, frontMatter: FrontMatter, body: String, bodyLineOffset: Int,
                urlPath: String, sectionPath: String, bundleDirectory: String?) {
        box = Box(Fields(kind: kind, sourcePath: sourcePath, frontMatter: frontMatter, body: body,
                         mayHoldDataBlocks: Self.mayHoldDataBlocks(body), bodyLineOffset: bodyLineOffset,
                         urlPath: urlPath, sectionPath: sectionPath, bundleDirectory: bundleDirectory))
    }

    /// Adds Markdown after the body (see `appendix`).
    public mutating func append(_ markdown: String) {
        fields.appendix += markdown
        fields.mayHoldDataBlocks = mayHoldDataBlocks || Self.mayHoldDataBlocks(markdown)
    }

    /// A page whose body is left in its file (see `body`), at `offset` of `folder/sourcePath`:
    /// `size` and `sourceHash` are the file's size and hash (-1: its size is not known), and
    /// `mayHoldDataBlocks` was worked out from the body's bytes there.
    init(kind: Kind, sourcePath: String, frontMatter: FrontMatter, bodyIn folder: String, held: HeldBytes?, urlPath: String, size: Int, offset: Int,
         bodyLineOffset: Int, mayHoldDataBlocks: Bool, sectionPath: String, bundleDirectory: String?, sourceHash: UInt64, frontMatterHash: UInt64) {
        box = Box(Fields(kind: kind, sourcePath: sourcePath, frontMatter: frontMatter, body: "", bodyFile: (folder, size, offset), heldFile: held,
                         mayHoldDataBlocks: mayHoldDataBlocks, bodyLineOffset: bodyLineOffset, urlPath: urlPath, sectionPath: sectionPath,
                         bundleDirectory: bundleDirectory, sourceHash: sourceHash, frontMatterHash: frontMatterHash))
    }

    /// The page's whole Markdown as UTF-8: the body, from the file's bytes loading held for
    /// it (the first time), else read back from its file when it was left there (and the file
    /// checked to be the one loaded, which was checked to be UTF-8), with the appendix after
    /// it. No `String` is made: the Markdown parser reads bytes.
    public func markdownBytes() throws(Diagnostic) -> [UInt8] {
        guard let file = bodyFile else { return Array((body + appendix).utf8) }
        let held = box.fields.heldFile?.take()
        guard var bytes = held ?? (try? FileSystem.readFile(file.folder + "/" + sourcePath, size: file.size)),
              held != nil || StableHasher.hash(bytes: bytes) == sourceHash, file.offset <= bytes.count else {
            throw Diagnostic.error(diagnosticPath, "changed while the site was being built; build again")
        }
        bytes.removeSubrange(..<file.offset)
        bytes += appendix.utf8
        return bytes
    }

    /// The page with its whole Markdown in `body` (see `markdownBytes()`).
    public func loadingBody() throws(Diagnostic) -> Page {
        withBody(try markdownBytes())
    }

    /// The page with `markdown` (from `markdownBytes()`) as its body.
    public func withBody(_ markdown: [UInt8]) -> Page {
        var page = self
        page.body = String(decoding: markdown, as: UTF8.self)
        page.bodyFile = nil
        page.fields.appendix = ""
        return page
    }

    /// Scans for `{{` and for a data fence, on bytes: it runs for every page of the site.
    static func mayHoldDataBlocks(_ markdown: String) -> Bool {
        var markdown = markdown
        return markdown.withUTF8 { mayHoldDataBlocks($0) }
    }

    static func mayHoldDataBlocks(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        // Where each of `{`, `` ` `` and `~` next stands, found by `memchr` (many bytes at a
        // time): a page holds few of them.
        func next(_ byte: UInt8, from index: Int) -> Int {
            guard index < count, let found = memchr(base + index, Int32(byte), count - index) else { return count }
            return UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
        }
        var brace = next(UInt8(ascii: "{"), from: 0)
        var backtick = next(UInt8(ascii: "`"), from: 0)
        var tilde = next(UInt8(ascii: "~"), from: 0)
        while true {
            let index = min(brace, backtick, tilde)
            if index >= count { return false }
            let byte = bytes[index]
            var resume = index + 1
            if byte == UInt8(ascii: "{") {
                if index + 1 < count && bytes[index + 1] == byte { return true }
            } else if index + 2 < count && bytes[index + 1] == byte && bytes[index + 2] == byte {
                var word = index + 3
                while word < count && (bytes[word] == byte || bytes[word] == UInt8(ascii: " ")) { word += 1 }
                var end = word
                while end < count && bytes[end] >= UInt8(ascii: "a") && bytes[end] <= UInt8(ascii: "z") { end += 1 }
                let info = UnsafeBufferPointer(rebasing: bytes[word..<end])
                if dataFenceWords.contains(where: { $0.elementsEqual(info) }) { return true }
                resume = max(end, resume)
            }
            if brace < resume { brace = next(UInt8(ascii: "{"), from: resume) }
            if backtick < resume { backtick = next(UInt8(ascii: "`"), from: resume) }
            if tilde < resume { tilde = next(UInt8(ascii: "~"), from: resume) }
        }
    }

    static let dataFenceWords: [[UInt8]] = ["sql", "chart", "table", "kpi"].map { Array($0.utf8) }

    /// Title from front matter, else the file name.
    public var title: String {
        if let title = frontMatter.title, !title.isEmpty { return title }
        let name = bundleDirectory.map(FileSystem.lastComponent) ?? FileSystem.lastComponent(sourcePath)
        if kind == .home { return "" }
        if kind == .section { return FileSystem.lastComponent(FileSystem.parentPath("/" + sourcePath)) }
        return name.hasSuffix(".md") ? String(name.dropLast(3)) : name
    }

    /// The folder inside `content/` that relative links in this page start from.
    public var sourceDirectory: String {
        let parent = FileSystem.parentPath(sourcePath)
        return parent == "." ? "" : parent
    }

    /// Path shown in diagnostics, relative to the site folder.
    public var diagnosticPath: String { "content/" + sourcePath }
}
