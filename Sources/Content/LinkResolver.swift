import DeskbookSupport

/// Where a link in Markdown goes, decided once every page has its URL.
/// `[利率](../loans/rate.md)` -> `/site-a/faq/loans/rate/`.
public struct LinkResolver: Sendable {
    public enum Resolution: Equatable, Sendable {
        /// Leave the destination as written (external, mailto, fragment only).
        case unchanged
        case resolved(String)
        /// An internal destination that does not exist; the reason names what was looked for.
        case broken(String)
        /// A page or file that exists but not for this audience: the link is left out, its
        /// text kept, so the audience's tree holds no trace of where it led.
        case hidden
    }

    /// `faq/loans/rate.md` -> `faq/loans/rate/` (output path without base path). This table and
    /// `knownOutputs` are keyed by their bytes' stable hash (`UTF8Key`): they are filled with
    /// every page each build, and SipHash made that most of making the resolver.
    let pageURLs: [UTF8Key: String]
    /// Content folder of a section -> its URL, so `../loans/` works as a link too.
    let sectionURLs: [String: String]
    /// Non-Markdown files of `content/` -> output path.
    let staticURLs: [String: String]
    /// Every output path that exists, for root-relative links (`/faq/x/`).
    private(set) var knownOutputs: Set<UTF8Key>
    /// Source paths and output paths of what other audiences see and this one does not.
    let hidden: Set<String>
    public let basePath: String

    public init(pages: [Page], staticFiles: [(source: String, output: String)], extraOutputs: [String], basePath: String,
                hidden: Set<String> = []) {
        self.hidden = hidden
        var outputs = Set<UTF8Key>(minimumCapacity: pages.count + staticFiles.count + extraOutputs.count)
        var pageURLs: [UTF8Key: String] = [:]
        pageURLs.reserveCapacity(pages.count)
        var sectionURLs: [String: String] = [:]
        for page in pages {
            outputs.insert(UTF8Key(page.urlPath))
            pageURLs[UTF8Key(page.sourcePath)] = page.urlPath
            if page.kind != .page { sectionURLs[page.sourceDirectory] = page.urlPath }
            if let bundle = page.bundleDirectory { sectionURLs[bundle] = page.urlPath }
        }
        self.pageURLs = pageURLs
        self.sectionURLs = sectionURLs
        self.staticURLs = Dictionary(staticFiles.map { ($0.source, $0.output) }, uniquingKeysWith: { first, _ in first })
        outputs.formUnion(staticFiles.map { UTF8Key($0.output) })
        outputs.formUnion(extraOutputs.map(UTF8Key.init))
        self.knownOutputs = outputs
        self.basePath = basePath
    }

    /// The same, knowing of `outputs` too: outputs that only the site model names (tag
    /// pages), while the resolver was made beside it.
    public consuming func adding(outputs: [String]) -> LinkResolver {
        knownOutputs.formUnion(outputs.map(UTF8Key.init))
        return self
    }

    /// The public URL of an output path: `faq/` -> `/site-a/faq/`, percent-encoded.
    public func url(for outputPath: String) -> String {
        basePath + Escape.urlPath(outputPath)
    }

    public func resolve(_ destination: String, fromDirectory directory: String) -> Resolution {
        // The common link between pages, `/faq/x/`: an output as it is, with nothing to
        // decode or encode (what `url(for:)` keeps), no fragment and no query.
        if let output = Self.plainRootRelative(destination), output.isEmpty || knownOutputs.contains(UTF8Key(output)) {
            return .resolved(basePath + output)
        }
        if destination.isEmpty || destination.hasPrefix("#") || destination.hasPrefix("//") || Self.hasScheme(destination) {
            return .unchanged
        }
        var path = Substring(destination)
        var suffix = ""
        if let mark = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "?") }) {
            suffix = String(path[mark...])
            path = path[..<mark]
        }
        let decoded = Escape.percentDecoded(String(path))
        if decoded.hasPrefix("/") {
            // The output as written, as a folder, or the folder of an `index.html`.
            let output = String(decoded.dropFirst())
            if output.isEmpty || knownOutputs.contains(UTF8Key(output)) { return .resolved(url(for: output) + suffix) }
            if knownOutputs.contains(UTF8Key(output + "/")) { return .resolved(url(for: output + "/") + suffix) }
            if output.hasSuffix("/index.html") {
                let folder = String(output.dropLast(10))
                if folder.isEmpty || knownOutputs.contains(UTF8Key(folder)) { return .resolved(url(for: folder) + suffix) }
            }
            if hidden.contains(output) || hidden.contains(output + "/") { return .hidden }
            return .broken("no page or file at \(decoded)")
        }
        let target = FileSystem.normalize((directory.isEmpty ? "" : directory + "/") + decoded)
        if target.hasPrefix("..") || decoded.split(separator: "/").filter({ $0 == ".." }).count > directory.split(separator: "/").count {
            return .broken("\(decoded) points outside content/")
        }
        if let output = pageURLs[UTF8Key(target)] ?? staticURLs[target] ?? sectionURLs[target] {
            return .resolved(url(for: output) + suffix)
        }
        if hidden.contains(target) { return .hidden }
        if decoded.hasSuffix(".md") { return .broken("no page content/\(target)") }
        return .broken("no file content/\(target)")
    }

    /// `faq/x/` of `/faq/x/` when every byte is a letter, a digit or one of `-_.~/`, and it
    /// starts with one slash only; nil otherwise.
    static func plainRootRelative(_ destination: String) -> String? {
        var utf8 = destination.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "/") else { return nil }
        var previous = UInt8(ascii: "/")
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                break
            case UInt8(ascii: "/") where previous != UInt8(ascii: "/"):
                break
            default:
                return nil
            }
            previous = byte
        }
        return String(destination.dropFirst())
    }

    static func hasScheme(_ text: String) -> Bool {
        var sawLetter = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): sawLetter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if !sawLetter { return false }
            case UInt8(ascii: ":"): return sawLetter
            default: return false
            }
        }
        return false
    }

}
