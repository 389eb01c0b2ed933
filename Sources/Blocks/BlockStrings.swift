/// UI words data blocks print, taken from the theme's i18n file so they follow the site's
/// language; English fallbacks keep a theme without them working.
public struct BlockStrings: Sendable {
    let strings: [String: String]

    public init(_ strings: [String: String]) { self.strings = strings }

    static let fallbacks: [String: String] = [
        "data_table": "Data", "total": "Total", "rank": "Rank", "download_csv": "Download CSV",
        "rows_count": "{count} rows", "filter": "Filter", "target": "Target", "data_as_of": "Data as of",
        "data_stale": "This data is older than {age}; the nightly export may have failed.",
        "compared_with": "vs", "attainment": "Attainment", "no_rows": "No data", "percentage_points": "pt",
        "course_sessions": "Sessions and attendance", "session_date": "Date", "session_time": "Time",
        "session_location": "Place", "enrolled": "Enrolled", "signed_in": "Signed in", "attended": "Attended",
        "average_score": "Average score", "feedback": "Feedback",
    ]

    public subscript(key: String) -> String { strings[key] ?? Self.fallbacks[key] ?? key }

    func rows(_ count: Int) -> String { self["rows_count"].replacing("{count}", with: String(count)) }
}
