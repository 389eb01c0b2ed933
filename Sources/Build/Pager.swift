import DeskbookSupport

/// Splits a long list (a section's pages, a tag's pages) over numbered pages:
/// the first at the list's own URL, the rest at `page/2/`, `page/3/` … below it.
struct Pager: Sendable {
    let listPath: String
    let itemCount: Int
    /// Items per page; 0 keeps every item on one page.
    let pageSize: Int

    var pageCount: Int { pageSize <= 0 || itemCount == 0 ? 1 : (itemCount + pageSize - 1) / pageSize }

    /// Output path of page `number` (1-based).
    func outputPath(_ number: Int) -> String { number == 1 ? listPath : listPath + "page/\(number)/" }

    func items(_ number: Int) -> Range<Int> {
        guard pageSize > 0 else { return 0..<itemCount }
        return min((number - 1) * pageSize, itemCount)..<min(number * pageSize, itemCount)
    }

    /// Template values for the navigation between pages; nil when there is only one page.
    func context(_ number: Int, url: (String) -> String, strings: [String: String]) -> TemplateMap? {
        guard pageCount > 1 else { return nil }
        var values: TemplateMap = [
            "current": .number(number), "total": .number(pageCount),
            "label": .text((strings["page_of"] ?? "{current} / {total}")
                .replacing("{current}", with: String(number))
                .replacing("{total}", with: String(pageCount))),
        ]
        if number > 1 { values["previousURL"] = .text(url(outputPath(number - 1))) }
        if number < pageCount { values["nextURL"] = .text(url(outputPath(number + 1))) }
        // The first and last page and two either side of this one: a list of thousands of
        // pages links a window of them, not all (which would grow with the square of the list).
        let window = Set([1, pageCount] + Array(max(1, number - 2)...min(pageCount, number + 2))).sorted()
        values["pages"] = .list(window.enumerated().map { position, page in
            ["number": .number(page), "url": .text(url(outputPath(page))), "current": .flag(page == number),
             "gapBefore": .flag(position > 0 && window[position - 1] != page - 1)]
        })
        return values
    }
}
