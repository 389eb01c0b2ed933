import DeskbookSupport

/// `synonyms.yaml` in the site folder: groups of words that find each other in search.
///
///     - [按揭, 房貸, 貸款]
///     - [訂金, 定金]
///     - [車位, 停車位, parking]
enum SiteSynonyms {
    static let fileName = "synonyms.yaml"

    static func load(siteDirectory: String) throws(DiagnosticsError) -> ([[String]], [Diagnostic]) {
        let path = siteDirectory + "/" + fileName
        guard FileSystem.exists(path) else { return ([], []) }
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw DiagnosticsError([.error(fileName, "cannot read: \(error)")]) }
        let root: YAMLNode?
        do { root = try YAMLNode.parse(text, path: fileName) } catch { throw DiagnosticsError([error]) }
        guard let root, !root.isNull else { return ([], []) }
        guard let groups = root.sequence else {
            throw DiagnosticsError([.error(fileName, line: root.line, column: root.column, "synonyms.yaml is a list of groups like [按揭, 房貸]")])
        }
        var result: [[String]] = []
        for group in groups {
            guard let words = group.stringList, words.count >= 2 else {
                throw DiagnosticsError([.error(fileName, line: group.line, column: group.column, "each group lists two or more words: [按揭, 房貸]")])
            }
            result.append(words)
        }
        return (result, [])
    }
}
