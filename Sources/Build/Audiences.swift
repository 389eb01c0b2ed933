import Content
import DeskbookSupport

/// Who sees what. With `audiences:` in the config, a build writes one complete site per
/// audience (`public/staff/`, `public/managers/` …). A page's `audience:` names who sees it;
/// a section's applies to every page and section inside it, and a page inside may narrow it,
/// never widen it. Without `audience:` anywhere above it, a page is for everyone.
struct Audiences: Sendable {
    /// The configured names, in config order; empty means one site for everyone.
    let names: [String]
    /// Per page (same order as the pages given): the audiences that see it.
    let visible: [Set<String>]

    /// Works out each page's audiences; a name not in the config, a page claiming an audience
    /// its section excludes, or `audience:` without `audiences:` in the config is an error.
    static func assign(_ pages: [Page], names: [String]) -> (Audiences, [Diagnostic]) {
        // One site for everyone, and no page asks for less: nothing to work out page by page.
        if names.isEmpty && pages.allSatisfy({ $0.frontMatter.audience.isEmpty }) {
            return (Audiences(names: [], visible: Array(repeating: [], count: pages.count)), [])
        }
        var problems: [Diagnostic] = []
        let everyone = Set(names)
        var sections: [String: Int] = [:]
        for (index, page) in pages.enumerated() where page.kind != .page {
            sections[page.kind == .home ? "" : page.sourceDirectory] = index
        }
        var memo: [Int: Set<String>] = [:]
        func own(_ index: Int) -> Set<String>? {
            let page = pages[index]
            guard !page.frontMatter.audience.isEmpty else { return nil }
            let node = page.frontMatterField("audience")
            if names.isEmpty {
                problems.append(.error(page.diagnosticPath, line: node?.line ?? 1, column: node?.column ?? 1,
                                       "audience: is set but deskbook.yaml lists no audiences; add audiences: [\(page.frontMatter.audience.joined(separator: ", "))]"))
                return nil
            }
            for name in page.frontMatter.audience where !everyone.contains(name) {
                problems.append(.error(page.diagnosticPath, line: node?.line ?? 1, column: node?.column ?? 1,
                                       "unknown audience '\(name)'; deskbook.yaml lists: \(names.joined(separator: ", "))"))
            }
            return Set(page.frontMatter.audience).intersection(everyone)
        }
        /// The audiences of the section a page or section sits in.
        func inherited(_ folder: String, from child: Int) -> Set<String> {
            guard let section = sections[folder], section != child else { return everyone }
            return effective(section)
        }
        func effective(_ index: Int) -> Set<String> {
            if let known = memo[index] { return known }
            let page = pages[index]
            let above = page.kind == .home ? everyone : inherited(page.sectionPath, from: index)
            var result = above
            if page.kind == .home, !page.frontMatter.audience.isEmpty {
                let node = page.frontMatterField("audience")
                problems.append(.error(page.diagnosticPath, line: node?.line ?? 1, column: node?.column ?? 1,
                                       "the home page is every audience's; remove audience: here"))
            } else if let own = own(index) {
                let wider = own.subtracting(above)
                if !wider.isEmpty {
                    let node = page.frontMatterField("audience")
                    problems.append(.error(page.diagnosticPath, line: node?.line ?? 1, column: node?.column ?? 1,
                                           "audience '\(wider.sorted().joined(separator: ", "))' cannot see the section this page is in "
                                           + "(its audience: \(above.sorted().joined(separator: ", "))); a page may narrow its section's audience, not widen it"))
                }
                result = own.intersection(above)
            }
            memo[index] = result
            return result
        }
        let visible = pages.indices.map(effective)
        var seen = Set<String>()
        return (Audiences(names: names, visible: visible), problems.filter { seen.insert($0.description).inserted })
    }

    /// The audiences of files beside the pages (images, course materials): those of the
    /// bundle or section folder each is in, the nearest one up.
    func audiences(ofStaticFiles sources: [String], pages: [Page]) -> [Set<String>] {
        var byFolder: [String: Set<String>] = [:]
        for (index, page) in pages.enumerated() {
            if let folder = page.bundleDirectory ?? (page.kind == .page ? nil : page.sourceDirectory) { byFolder[folder] = visible[index] }
        }
        return sources.map { source in
            var folder = FileSystem.parentPath("/" + source)
            while true {
                let key = folder == "/" ? "" : String(folder.dropFirst())
                if let found = byFolder[key] { return found }
                if key.isEmpty { return Set(names) }
                folder = FileSystem.parentPath(folder)
            }
        }
    }
}
