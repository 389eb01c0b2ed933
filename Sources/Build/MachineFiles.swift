import Content
import DeskbookSupport

/// `sitemap.xml` and the Atom feed: files for machines rather than readers.
enum MachineFiles {
    static let sitemapPath = "sitemap.xml"

    static func sitemap(model: SiteModel, config: SiteConfig, links: LinkResolver, pageURLs: [String]) -> [UInt8] {
        // Appended as bytes: one entry for every page of the site, each build.
        var xml: [UInt8] = []
        xml.reserveCapacity(model.pages.count * 96)
        xml.append(markup: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n")
        let origin = Escape.xml(config.origin)
        func url(_ publicURL: String) {
            xml.append(markup: "<url><loc>")
            xml.append(utf8: origin)
            Escape.appendHTML(publicURL, to: &xml)
            xml.append(markup: "</loc>")
        }
        // By URL path, compared as bytes: each page's is read once, not at every comparison.
        let paths = model.pages.map(\.urlPath)
        for index in paths.indices.sorted(by: { SiteModel.compare(paths[$0], paths[$1]) < 0 }) {
            url(pageURLs[index])
            if let date = model.pages[index].updated {
                xml.append(markup: "<lastmod>")
                xml.append(utf8: date.isoDay)
                xml.append(markup: "</lastmod>")
            }
            xml.append(markup: "</url>\n")
        }
        for path in model.generatedOutputs.sorted() {
            url(links.url(for: path))
            xml.append(markup: "</url>\n")
        }
        xml.append(markup: "</urlset>\n")
        return xml
    }

    /// Atom 1.0 feed of the most recently updated pages.
    static func atomFeed(model: SiteModel, config: SiteConfig, links: LinkResolver, recent: [Int], summaries: [Int: String]) -> String {
        func absolute(_ outputPath: String) -> String { config.origin + links.url(for: outputPath) }
        func identifier(_ outputPath: String) -> String {
            config.origin.isEmpty ? "urn:deskbook:" + links.url(for: outputPath) : absolute(outputPath)
        }
        let newest = recent.first.flatMap { model.pages[$0].updated } ?? CalendarDate(year: 1970, month: 1, day: 1)
        var xml = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(config.language.rawValue)">
        <title>\(Escape.xml(config.title))</title>
        <id>\(Escape.xml(identifier("")))</id>
        <link href="\(Escape.xml(absolute("")))"/>
        <link rel="self" href="\(Escape.xml(absolute("feed.xml")))"/>
        <updated>\(newest.rfc3339)</updated>
        <author><name>\(Escape.xml(config.title))</name></author>

        """
        for index in recent {
            let page = model.pages[index]
            xml += "<entry><title>\(Escape.xml(page.title))</title>"
            xml += "<id>\(Escape.xml(identifier(page.urlPath)))</id>"
            xml += "<link href=\"\(Escape.xml(absolute(page.urlPath)))\"/>"
            xml += "<updated>\(page.updated!.rfc3339)</updated>"
            if let summary = summaries[index] { xml += "<summary>\(Escape.xml(summary))</summary>" }
            xml += "</entry>\n"
        }
        return xml + "</feed>\n"
    }
}
