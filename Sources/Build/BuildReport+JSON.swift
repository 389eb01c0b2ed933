import DeskbookData
import DeskbookSupport
import Search

extension BuildReport {
    /// Written at the top of every release: what the build did, for people and monitoring.
    static let fileName = "_build.json"

    func json(start: CalendarDate, snapshots: [Snapshot]) -> String {
        var fields = [
            "\"started\": \(SearchIndex.jsonString(start.rfc3339))",
            "\"seconds\": \(String(format3: seconds))",
            "\"pages\": \(pageCount)",
            "\"files_written\": \(filesWritten)",
            "\"files_unchanged\": \(filesUnchanged)",
            "\"files_removed\": \(filesRemoved)",
            "\"pages_rendered\": \(pagesRendered)",
            "\"queries_run\": \(queriesRun)",
        ]
        fields.append("\"snapshots\": {" + snapshots.map { snapshot in
            SearchIndex.jsonString(snapshot.name) + ": " + (snapshot.takenAt.map { SearchIndex.jsonString($0.rfc3339) } ?? "null")
        }.joined(separator: ", ") + "}")
        fields.append("\"phases\": {" + phases.map { SearchIndex.jsonString($0.name) + ": " + String(format3: $0.seconds) }.joined(separator: ", ") + "}")
        fields.append("\"warnings\": [" + warnings.map { SearchIndex.jsonString($0.description) }.joined(separator: ", ") + "]")
        return "{\n  " + fields.joined(separator: ",\n  ") + "\n}\n"
    }
}
