/// Small text operations the stages share, without Foundation.
extension StringProtocol {
    /// Without leading and trailing characters from `set`.
    public func trimming(_ set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }

    /// Without leading and trailing white space.
    public var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }

    /// Without leading and trailing `/`: `/faq/loans/` -> `faq/loans`.
    public var trimmingSlashes: String { trimming("/") }

    /// Every `target` replaced by `replacement`: `{count} rows` -> `3 rows`.
    public func replacing(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
