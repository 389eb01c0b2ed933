import DeskbookSupport
import Mustache

/// A loaded theme: compiled templates, fingerprinted assets and the UI strings of the site's
/// language. Built from layers, the first that has a file wins:
/// `themes/NAME/` of the site, then the site's `themes/default/`, then the default theme
/// compiled into the binary. So a site may add a theme or override one file at a time.
public struct Theme: Sendable {
    public struct Asset: Sendable {
        /// As templates name it: `style.css`.
        public var name: String
        /// Where it is written, with its content hash: `assets/style.1f3a9c0e2b.css`.
        public var outputPath: String
        public var bytes: [UInt8]
    }

    public let name: String
    let library: MustacheLibrary
    public let templateNames: Set<String>
    public let assets: [Asset]
    /// UI strings for the site's language (`t.search`, `t.updated` …).
    public let strings: [String: String]
    /// From the i18n keys `date_format` and `month_names`, split once.
    let dateFormat: String
    let monthNames: [String]

    init(name: String, library: MustacheLibrary, templateNames: Set<String>, assets: [Asset], strings: [String: String]) {
        self.name = name
        self.library = library
        self.templateNames = templateNames
        self.assets = assets
        self.strings = strings
        self.dateFormat = strings["date_format"] ?? "{year}-{month}-{day}"
        self.monthNames = (strings["month_names"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: " ") }
    }

    public func hasTemplate(_ name: String) -> Bool { templateNames.contains(name) }

    /// Renders a template; the caller checked that it exists.
    public func render(_ template: String, context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// Output path of an asset by its plain name, for templates: `style.css` -> `assets/style.<hash>.css`.
    public var assetPaths: [String: String] {
        Dictionary(assets.map { ($0.name, $0.outputPath) }, uniquingKeysWith: { first, _ in first })
    }

    /// A date in the language's format from the i18n file: `2026年3月14日`, `14 Mar 2026`.
    public func format(_ date: CalendarDate) -> String {
        let monthName = monthNames.count == 12 ? monthNames[date.month - 1] : String(date.month)
        return dateFormat
            .replacingOccurrences("{year}", String(date.year))
            .replacingOccurrences("{month}", String(date.month))
            .replacingOccurrences("{monthName}", monthName)
            .replacingOccurrences("{day}", String(date.day))
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
