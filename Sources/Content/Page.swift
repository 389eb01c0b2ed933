import DeskbookSupport

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

    public var kind: Kind
    /// Path inside `content/`, e.g. `faq/loans/rate.md`.
    public var sourcePath: String
    public var frontMatter: FrontMatter
    public var body: String
    /// Lines of the file before the body, so Markdown positions map back to file lines.
    public var bodyLineOffset: Int
    /// Output path without base path, with a trailing slash: `faq/loans/rate/`; empty for home.
    public var urlPath: String
    /// Folder inside `content/` of the section the page belongs to (`faq/loans`); empty for the root.
    public var sectionPath: String
    /// For a bundle (`training/c1/index.md`), its folder; resources beside it belong to it.
    public var bundleDirectory: String?
    /// Hashes of the whole file and of its front matter alone, for the build cache: a page
    /// whose file is unchanged renders the same Markdown; one whose front matter is unchanged
    /// looks the same in lists.
    public var sourceHash: UInt64 = 0
    public var frontMatterHash: UInt64 = 0

    public init(kind: Kind, sourcePath: String, frontMatter: FrontMatter, body: String, bodyLineOffset: Int,
                urlPath: String, sectionPath: String, bundleDirectory: String?) {
        self.kind = kind
        self.sourcePath = sourcePath
        self.frontMatter = frontMatter
        self.body = body
        self.bodyLineOffset = bodyLineOffset
        self.urlPath = urlPath
        self.sectionPath = sectionPath
        self.bundleDirectory = bundleDirectory
    }

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
