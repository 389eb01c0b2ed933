import DeskbookSupport

/// The site's language decides UI strings and number and date formats.
public enum SiteLanguage: String, Sendable, CaseIterable {
    case zhHant = "zh-Hant"
    case zhHans = "zh-Hans"
    case en
}

/// `deskbook.yaml`. Every key is optional; a folder holding only `content/` builds with
/// these defaults.
public struct SiteConfig: Sendable {
    public var title = "Deskbook"
    public var language = SiteLanguage.zhHant
    /// As written, e.g. `/` or `http://intranet/site-a/`.
    public var baseURL = "/"
    public var theme = "default"
    public var currency = "TWD"
    /// Snapshot name -> file, relative to the site folder.
    public var data: [String: String] = [:]
    /// Seconds after which a data page warns that its snapshot is stale (`max_data_age: 26h`).
    public var maxDataAge: Double?
    /// Seconds one query may run (`query_timeout: 10s`).
    public var queryTimeout: Double = 10
    /// Rows one query may return.
    public var maxRows = 10_000
    public var audiences: [String] = []
    /// Columns masked on top of the defaults (`privacy.mask`), each with its mask style.
    public var privacyMask: [(column: String, style: MaskStyle)] = []
    /// Default masks turned off (`privacy.unmask`).
    public var privacyUnmask: [String] = []
    /// Raw HTML in Markdown is shown as text unless this is set.
    public var unsafeHTML = false
    /// URL schemes of links and images that are dropped unless listed in `allow_url_schemes`.
    public static var blockedURLSchemes: [String] { URLSafety.blockedSchemes }
    /// Of `blockedURLSchemes`, those the site lets through (`allow_url_schemes: [data]`).
    public var allowedURLSchemes: [String] = []
    /// Pages with at least this many headings get a table of contents.
    public var tocMinHeadings = 3
    /// Pages per page of a section or tag list; 0 lists everything on one page.
    public var paginate = 50
    /// How many recently updated pages the Atom feed lists.
    public var feedLimit = 20
    /// Free-form values for templates (`site.params.x`).
    public var params: YAMLNode?

    public init() {}

    public static let fileName = "deskbook.yaml"
    static let knownKeys: Set<String> = [
        "title", "language", "base_url", "theme", "currency", "data", "max_data_age", "audiences",
        "privacy", "unsafe_html", "allow_url_schemes", "toc_min_headings", "feed_limit", "paginate", "params", "query_timeout",
        "max_rows",
    ]

    /// The path part of `base_url`, always with leading and trailing slashes: `/site-a/`.
    public var basePath: String {
        var rest = Substring(baseURL)
        if let scheme = rest.firstRange(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        var path = String(rest)
        if !path.hasPrefix("/") { path = "/" + path }
        if !path.hasSuffix("/") { path += "/" }
        return path
    }

    /// `http://intranet` when `base_url` names a host, else empty (URLs stay root-relative).
    public var origin: String {
        guard let scheme = baseURL.firstRange(of: "://") else { return "" }
        let afterScheme = baseURL[scheme.upperBound...]
        let hostEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        return String(baseURL[..<hostEnd])
    }

    /// Reads `deskbook.yaml` from `siteDirectory`; a missing file means all defaults.
    public static func load(siteDirectory: String) throws(DiagnosticsError) -> (SiteConfig, [Diagnostic]) {
        let path = siteDirectory + "/" + fileName
        guard FileSystem.exists(path) else { return (SiteConfig(), []) }
        let text: String
        do { text = try FileSystem.readText(path) } catch {
            throw DiagnosticsError([.error(fileName, "cannot read: \(error)")])
        }
        return try parse(text, path: fileName)
    }

    public static func parse(_ text: String, path: String) throws(DiagnosticsError) -> (SiteConfig, [Diagnostic]) {
        var config = SiteConfig()
        var problems: [Diagnostic] = []
        let root: YAMLNode?
        do { root = try YAMLNode.parse(text, path: path) } catch { throw DiagnosticsError([error]) }
        guard let root, !root.isNull else { return (config, []) }
        guard let pairs = root.mapping else {
            throw DiagnosticsError([.error(path, line: root.line, column: root.column, "the configuration must be a map of keys")])
        }
        func fail(_ node: YAMLNode, _ message: String) {
            problems.append(.error(path, line: node.line, column: node.column, message))
        }
        func string(_ node: YAMLNode, _ key: String) -> String? {
            guard let text = node.scalar else { fail(node, "\(key) must be text, not \(node.kindDescription)"); return nil }
            return text
        }
        for (keyNode, value) in pairs {
            let key = keyNode.scalar ?? ""
            switch key {
            case "title": config.title = string(value, key) ?? config.title
            case "language":
                if let text = string(value, key) {
                    if let language = SiteLanguage(rawValue: text) { config.language = language } else {
                        fail(value, "unknown language '\(text)'; use one of zh-Hant, zh-Hans, en")
                    }
                }
            case "base_url": config.baseURL = string(value, key) ?? "/"
            case "theme":
                if let text = string(value, key) {
                    if text.isEmpty || text.contains("/") || text.hasPrefix(".") { fail(value, "theme must be a folder name under themes/") } else { config.theme = text }
                }
            case "currency": config.currency = string(value, key) ?? config.currency
            case "data":
                guard let entries = value.mapping else { fail(value, "data must map snapshot names to files"); continue }
                for (name, file) in entries {
                    if let nameText = name.scalar, let fileText = string(file, "data.\(nameText)") { config.data[nameText] = fileText }
                }
            case "max_data_age", "query_timeout":
                if let text = string(value, key) {
                    if let seconds = parseSeconds(text), seconds > 0 {
                        if key == "max_data_age" { config.maxDataAge = seconds } else { config.queryTimeout = seconds }
                    } else {
                        fail(value, "\(key) must be a length of time like 30s, 15m, 26h or 2d")
                    }
                }
            case "max_rows":
                if let number = value.int, number >= 1 { config.maxRows = number } else { fail(value, "max_rows must be a whole number of at least 1") }
            case "audiences":
                if let list = value.stringList {
                    config.audiences = list
                    // Each audience's site is a folder and a URL path.
                    for name in list where name.isEmpty || !name.utf8.allSatisfy(Slug.isPlainByte) {
                        fail(value, "audience name '\(name)' must be lower-case letters, digits, '-' or '_'")
                    }
                    if Set(list).count != list.count { fail(value, "audiences lists a name twice") }
                } else {
                    fail(value, "audiences must be a list of names")
                }
            case "privacy":
                parsePrivacy(value, into: &config, problems: &problems, path: path)
            case "unsafe_html":
                if let flag = value.bool { config.unsafeHTML = flag } else { fail(value, "unsafe_html must be true or false") }
            case "allow_url_schemes":
                guard let list = value.stringList else { fail(value, "allow_url_schemes must be a list like [data]"); continue }
                for scheme in list {
                    let name = scheme.lowercased().trimming(":")
                    if blockedURLSchemes.contains(name) { config.allowedURLSchemes.append(name) } else {
                        problems.append(.warning(path, line: value.line, column: value.column,
                                                 "allow_url_schemes: '\(scheme)' is never blocked; only \(blockedURLSchemes.joined(separator: ", ")) are"))
                    }
                }
            case "toc_min_headings":
                if let number = value.int, number >= 1 { config.tocMinHeadings = number } else { fail(value, "toc_min_headings must be a whole number of at least 1") }
            case "feed_limit":
                if let number = value.int, number >= 1 { config.feedLimit = number } else { fail(value, "feed_limit must be a whole number of at least 1") }
            case "paginate":
                if let number = value.int, number >= 0 { config.paginate = number } else { fail(value, "paginate must be a whole number (0 for no pagination)") }
            case "params": config.params = value
            default:
                problems.append(.warning(path, line: keyNode.line, column: keyNode.column,
                                         "unknown key '\(key)'; known keys: \(knownKeys.sorted().joined(separator: ", "))"))
            }
        }
        if !problems.errors.isEmpty { throw DiagnosticsError(problems) }
        return (config, problems)
    }
}

extension SiteConfig {
    /// `privacy: {mask: [phone, customers.name, {column: 會員編號, style: id}], unmask: [customer]}`.
    static func parsePrivacy(_ value: YAMLNode, into config: inout SiteConfig, problems: inout [Diagnostic], path: String) {
        func fail(_ node: YAMLNode, _ message: String) {
            problems.append(.error(path, line: node.line, column: node.column, message))
        }
        guard let pairs = value.mapping else { fail(value, "privacy must be a map with mask: and unmask: lists"); return }
        for (keyNode, node) in pairs {
            switch keyNode.scalar ?? "" {
            case "mask":
                guard let entries = node.sequence else { fail(node, "privacy.mask must be a list of column names"); continue }
                for entry in entries {
                    if let column = entry.scalar, !column.isEmpty {
                        config.privacyMask.append((column, MaskStyle.guess(for: column)))
                    } else if entry.mapping != nil, let column = entry["column"]?.scalar, !column.isEmpty {
                        var style = MaskStyle.guess(for: column)
                        if let styleNode = entry["style"] {
                            if let text = styleNode.scalar, let named = MaskStyle(rawValue: text) { style = named } else {
                                fail(styleNode, "privacy.mask: unknown style \(styleNode.kindDescription); use one of \(MaskStyle.names)")
                            }
                        }
                        for (key, _) in entry.mapping! where key.scalar != "column" && key.scalar != "style" {
                            fail(key, "privacy.mask: unknown key '\(key.scalar ?? "")'; an entry is {column: NAME, style: STYLE}")
                        }
                        config.privacyMask.append((column, style))
                    } else {
                        fail(entry, "privacy.mask: each entry is a column name or {column: NAME, style: \(MaskStyle.names)}")
                    }
                }
            case "unmask":
                guard let list = node.stringList else { fail(node, "privacy.unmask must be a list of column names"); continue }
                config.privacyUnmask = list
            default:
                problems.append(.error(path, line: keyNode.line, column: keyNode.column,
                                       "unknown privacy option '\(keyNode.scalar ?? "")'; known: mask, unmask"))
            }
        }
    }
}

/// `30s`, `15m`, `26h`, `2d`, or plain seconds.
public func parseSeconds(_ text: String) -> Double? {
    let trimmed = text.filter { !$0.isWhitespace }
    guard let unit = trimmed.last else { return nil }
    let scale: Double
    switch unit {
    case "s": scale = 1
    case "m": scale = 60
    case "h": scale = 3600
    case "d": scale = 86_400
    default: return Double(trimmed)
    }
    return Double(trimmed.dropLast()).map { $0 * scale }
}
