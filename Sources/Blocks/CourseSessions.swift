import Content
import DeskbookData

/// A course page (`course_id:` in front matter) shows its sessions and attendance from the
/// snapshot without its trainer writing any SQL: this adds the query and table to its
/// Markdown. The snapshot needs `sessions(session_id, course_id, session_date, start_time,
/// location)` and `attendance(session_id, agent_id, signed_in, attended, score, feedback_score)`.
public enum CourseSessions {
    public static func appendix(for page: Page, snapshots: SnapshotSet, strings: BlockStrings) -> String? {
        guard page.frontMatter.courseID?.isEmpty == false,
              let name = page.frontMatterField("data")?.scalar ?? snapshots.defaultName,
              let snapshot = snapshots[name], snapshot.hasTables(["sessions", "attendance"]) else { return nil }
        return """


        ## \(strings["course_sessions"])

        ```sql course_sessions \(name)
        SELECT s.session_date, s.start_time, s.location,
               COUNT(a.agent_id) AS enrolled,
               COALESCE(SUM(a.signed_in), 0) AS signed_in,
               COALESCE(SUM(a.attended), 0) AS attended,
               AVG(a.score) AS average_score,
               AVG(a.feedback_score) AS feedback
        FROM sessions s LEFT JOIN attendance a ON a.session_id = s.session_id
        WHERE s.course_id = :course_id
        GROUP BY s.session_id ORDER BY s.session_date
        ```

        ```table
        data: course_sessions
        labels: {session_date: \(strings["session_date"]), start_time: \(strings["session_time"]), location: \(strings["session_location"]), enrolled: \(strings["enrolled"]), signed_in: \(strings["signed_in"]), attended: \(strings["attended"]), average_score: \(strings["average_score"]), feedback: \(strings["feedback"])}
        format: {session_date: date, enrolled: integer, signed_in: integer, attended: integer, average_score: number, feedback: number}
        totals: [enrolled, signed_in, attended]
        csv: false
        ```

        """
    }
}
