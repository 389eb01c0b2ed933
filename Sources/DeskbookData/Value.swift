/// One cell of a query result, as SQLite typed it.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// Blobs are never shown; only their size is kept.
    case blob(Int)

    public var double: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let text): return Double(text)
        default: return nil
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// Plain text, unformatted: what a CSV cell or a URL pattern gets.
    public var description: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .text(let text): return text
        case .blob(let count): return "<\(count) bytes>"
        }
    }

    /// Orders numbers numerically and text by its bytes; null sorts first.
    public static func ascending(_ lhs: Value, _ rhs: Value) -> Bool {
        switch (lhs.double, rhs.double) {
        case let (left?, right?): return left < right
        case (nil, _?): return lhs.isNull
        case (_?, nil): return !rhs.isNull
        case (nil, nil): return lhs.description < rhs.description
        }
    }
}

/// The rows a query returned.
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[Value]]
    /// The table column each result column comes from (`customers.phone`), through aliases,
    /// views and subqueries; nil for a computed value. Privacy masks follow it.
    public var origins: [String?]

    public init(columns: [String], rows: [[Value]], origins: [String?]? = nil) {
        self.columns = columns
        self.rows = rows
        self.origins = origins ?? Array(repeating: nil, count: columns.count)
    }

    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex(of: name) ?? columns.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// The first row's value of a column, for `{{ query.column }}` and KPI tiles.
    public func first(_ column: String) -> Value? {
        guard let index = columnIndex(column), let row = rows.first else { return nil }
        return row[index]
    }
}
