import DeskbookSupport

/// Which columns hold customer data, and how their values are masked.
///
/// A rule names a column, case-insensitively: `phone` covers a result column called `phone`
/// and any result column that comes from a table column called `phone`, whatever the query
/// calls it (`SELECT c.phone AS 聯絡方式` is masked too). A rule may name one table's column,
/// `customers.name`, to leave other tables' `name` alone. The defaults cover the usual names
/// of customer names, phone numbers, ID numbers, e-mail addresses and home addresses; a site
/// adds rules under `privacy.mask` and turns a default off under `privacy.unmask`.
public struct PrivacyPolicy: Sendable {
    public struct Rule: Sendable, Equatable {
        /// Lowercased column name, or `table.column`.
        public var column: String
        public var style: MaskStyle

        public init(_ column: String, _ style: MaskStyle) {
            self.column = column.lowercased()
            self.style = style
        }
    }

    public static let defaultRules: [Rule] = {
        var rules: [Rule] = []
        for name in ["customer_name", "customer", "client_name", "buyer_name", "contact_name", "客戶", "客戶姓名", "客戶名稱", "買方姓名", "聯絡人"] {
            rules.append(Rule(name, .name))
        }
        for name in ["phone", "mobile", "tel", "telephone", "phone_number", "mobile_phone", "fax", "手機", "電話", "聯絡電話", "行動電話", "手機號碼"] {
            rules.append(Rule(name, .phone))
        }
        for name in ["id_number", "national_id", "passport", "身份證", "身分證", "身份證字號", "身分證字號", "身分證號", "護照號碼"] {
            rules.append(Rule(name, .id))
        }
        for name in ["email", "e_mail", "mail", "電子郵件", "電郵", "email_address"] { rules.append(Rule(name, .email)) }
        for name in ["address", "home_address", "地址", "住址", "通訊地址", "戶籍地址"] { rules.append(Rule(name, .address)) }
        // `name` alone is too common (agents have names too), but not in a customer table.
        for name in ["customers.name", "customer.name", "clients.name", "客戶.姓名"] { rules.append(Rule(name, .name)) }
        return rules
    }()

    /// Column (lowercased) -> style.
    public private(set) var rules: [String: MaskStyle]

    /// The defaults, with `added` rules and without the columns in `removed`.
    public init(adding added: [Rule] = [], removing removed: [String] = []) {
        var rules: [String: MaskStyle] = [:]
        for rule in Self.defaultRules { rules[rule.column] = rule.style }
        for name in removed { rules[name.lowercased()] = nil }
        for rule in added { rules[rule.column] = rule.style }
        self.rules = rules
    }

    public static let standard = PrivacyPolicy()

    public static func isDefault(_ column: String) -> Bool {
        defaultRules.contains { $0.column == column.lowercased() }
    }

    /// The names a result column answers to: its own, and the table column it comes from.
    public static func namesOf(column: String, origin: String?) -> [String] {
        var names = [column.lowercased()]
        if let origin = origin?.lowercased() {
            names.append(origin)
            if let dot = origin.lastIndex(of: ".") { names.append(String(origin[origin.index(after: dot)...])) }
        }
        return names
    }

    /// The rule that masks a result column, if one does: by its name, or by the table column
    /// it comes from.
    public func rule(column: String, origin: String?) -> (column: String, style: MaskStyle)? {
        for name in Self.namesOf(column: column, origin: origin) {
            if let style = rules[name] { return (name, style) }
        }
        return nil
    }

    /// The result with every masked column's values masked, except the columns `allowed`
    /// lets through (it gets each name a column answers to, with the rule's, and says whether
    /// one is allowed). Also returns the names of each column that was let through.
    public func apply(_ result: QueryResult, allowed: ([String]) -> Bool = { _ in false }) -> (result: QueryResult, unmasked: [[String]]) {
        var masked: [(index: Int, style: MaskStyle)] = []
        var unmasked: [[String]] = []
        for (index, column) in result.columns.enumerated() {
            let origin = index < result.origins.count ? result.origins[index] : nil
            guard let rule = rule(column: column, origin: origin) else { continue }
            let names = Self.namesOf(column: column, origin: origin) + [rule.column]
            if allowed(names) { unmasked.append(names) } else { masked.append((index, rule.style)) }
        }
        guard !masked.isEmpty else { return (result, unmasked) }
        var output = result
        for row in output.rows.indices {
            for (index, style) in masked { output.rows[row][index] = Self.mask(output.rows[row][index], style) }
        }
        return (output, unmasked)
    }

    /// One value masked; numbers become text (a phone number stored as an integer).
    public static func mask(_ value: Value, _ style: MaskStyle) -> Value {
        switch value {
        case .null, .blob: return value
        case .text(let text): return .text(style.apply(text))
        case .integer, .real: return .text(style.apply(value.description))
        }
    }
}
