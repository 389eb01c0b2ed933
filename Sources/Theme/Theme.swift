import DeskbookSupport

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
    let renderer: MustacheRenderer
    public let templateNames: Set<String>
    public let assets: [Asset]
    /// UI strings for the site's language (`t.search`, `t.updated` …).
    public let strings: [String: String]
    /// The same, as templates see them (`t`).
    public let stringValues: TemplateValue
    /// From the i18n keys `date_format` and `month_names`, split once.
    let dateFormat: [DatePart]
    let monthNames: [String]

    init(name: String, renderer: MustacheRenderer, templateNames: Set<String>, assets: [Asset], strings: [String: String]) {
        self.name = name
        self.renderer = renderer
        self.templateNames = templateNames
        self.assets = assets
        self.strings = strings
        self.stringValues = .map(TemplateMap(strings.map { ($0.key, .text($0.value)) }))
        self.dateFormat = DatePart.parse(strings["date_format"] ?? "{year}-{month}-{day}")
        self.monthNames = (strings["month_names"] ?? "").split(separator: ",").map { $0.trimming(" ") }
    }

    public func hasTemplate(_ name: String) -> Bool { templateNames.contains(name) }

    /// Renders a template; the caller checked that it exists.
    public func render(_ template: String, context: TemplateMap) -> String {
        String(decoding: renderer.render(template, context: context), as: UTF8.self)
    }

    /// The same as bytes, as pages are written.
    public func renderBytes(_ template: String, context: TemplateMap) -> [UInt8] {
        renderer.render(template, context: context)
    }

    /// The same as HTML for another template to insert (a list item, a partial), copied to
    /// its own size: such parts are kept while pages render, and rendering makes room for a page.
    public func renderHTML(_ template: String, context: TemplateMap) -> HTMLBytes {
        let output = renderer.render(template, context: context)
        return HTMLBytes([UInt8](unsafeUninitializedCapacity: output.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: output)
        })
    }

    /// Output path of an asset by its plain name, for templates: `style.css` -> `assets/style.<hash>.css`.
    public var assetPaths: [String: String] {
        Dictionary(assets.map { ($0.name, $0.outputPath) }, uniquingKeysWith: { first, _ in first })
    }

    /// A date in the language's format from the i18n file: `2026年3月14日`, `14 Mar 2026`.
    public func format(_ date: CalendarDate) -> String {
        var text = ""
        for part in dateFormat {
            switch part {
            case .literal(let literal): text += literal
            case .year: text += String(date.year)
            case .month: text += String(date.month)
            case .monthName: text += monthNames.count == 12 ? monthNames[date.month - 1] : String(date.month)
            case .day: text += String(date.day)
            }
        }
        return text
    }

    /// A `date_format` such as `{year}年{month}月{day}日`, split once into its parts.
    enum DatePart: Sendable, Equatable {
        case literal(String), year, month, monthName, day

        static func parse(_ format: String) -> [DatePart] {
            var parts: [DatePart] = []
            var rest = Substring(format)
            while let open = rest.firstIndex(of: "{") {
                if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
                guard let close = rest[open...].firstIndex(of: "}") else { break }
                switch rest[rest.index(after: open)..<close] {
                case "year": parts.append(.year)
                case "month": parts.append(.month)
                case "monthName": parts.append(.monthName)
                case "day": parts.append(.day)
                default: parts.append(.literal(String(rest[open...close])))
                }
                rest = rest[rest.index(after: close)...]
            }
            if !rest.isEmpty { parts.append(.literal(String(rest))) }
            return parts
        }
    }
}
