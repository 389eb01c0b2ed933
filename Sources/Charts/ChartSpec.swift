/// What to draw. Built by the chart block from a query result; knows nothing about SQL.
public struct ChartSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case bar, hbar, line, area, stackedBar = "stacked-bar", donut
    }

    public struct Series: Sendable {
        public var name: String
        /// One value per category; nil where the data has none.
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    public var kind: Kind
    /// Unique within the page, for the ids that tie title and description to the drawing.
    public var id: String
    public var title: String
    public var categories: [String]
    public var series: [Series]
    /// Formats a value for labels and the data table (money, percent …).
    public var formatValue: @Sendable (Double) -> String
    /// A reference line (a target) across the chart.
    public var target: Double?
    public var targetLabel: String
    /// Height of the drawing in viewBox units; width is always 640.
    public var height: Int?
    /// Column headings for the data table: the category column, then one per series.
    public var categoryLabel: String
    /// Caption of the collapsible data table under the chart.
    public var tableCaption: String

    public init(kind: Kind, id: String, title: String, categories: [String], series: [Series],
                formatValue: @escaping @Sendable (Double) -> String, target: Double? = nil, targetLabel: String = "target",
                height: Int? = nil, categoryLabel: String = "", tableCaption: String = "data") {
        self.kind = kind
        self.id = id
        self.title = title
        self.categories = categories
        self.series = series
        self.formatValue = formatValue
        self.target = target
        self.targetLabel = targetLabel
        self.height = height
        self.categoryLabel = categoryLabel
        self.tableCaption = tableCaption
    }
}
