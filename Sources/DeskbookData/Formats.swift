import DeskbookSupport

/// The value formats of data blocks and inline values, in the site's language:
/// `integer`, `number`, `percent`, `money`, `wan` (萬), `area` (㎡), `date`, `datetime`, `duration`.
public enum ValueFormat: String, Sendable, CaseIterable {
    case integer, number, percent, money, wan, area, date, datetime, duration

    /// What each format expects, for the documentation and error messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Language and currency for formatting.
public struct FormatLocale: Sendable {
    public enum Language: Sendable { case traditionalChinese, simplifiedChinese, english }
    public var language: Language
    public var currency: String

    public init(language: Language, currency: String) {
        self.language = language
        self.currency = currency
    }

    var currencySymbol: String {
        switch currency.uppercased() {
        case "TWD": return "NT$"
        case "CNY", "RMB": return "¥"
        case "HKD": return "HK$"
        case "USD": return "US$"
        case "EUR": return "€"
        case "JPY": return "¥"
        default: return currency + " "
        }
    }

    /// Currencies counted in whole units.
    var currencyDecimals: Int { ["TWD", "JPY", "KRW"].contains(currency.uppercased()) ? 0 : 2 }

    public func format(_ value: Value, as format: ValueFormat?) -> String {
        guard let format else { return plain(value) }
        if value.isNull { return "—" }
        switch format {
        case .integer:
            guard let number = value.double else { return value.description }
            return grouped(number, decimals: 0)
        case .number:
            guard let number = value.double else { return value.description }
            return grouped(number, decimals: number == number.rounded() ? 0 : 2)
        case .percent:
            // A ratio: 0.875 is 87.5%.
            guard let number = value.double else { return value.description }
            return grouped(number * 100, decimals: 1) + "%"
        case .money:
            guard let number = value.double else { return value.description }
            let sign = number < 0 ? "-" : ""
            return sign + currencySymbol + grouped(abs(number), decimals: currencyDecimals)
        case .wan:
            guard let number = value.double else { return value.description }
            let unit = language == .simplifiedChinese ? "万" : language == .english ? " wan" : "萬"
            let scaled = number / 10_000
            // One decimal, dropped when it would be .0: 13,441萬, 12.5萬.
            return grouped(scaled, decimals: abs(scaled - scaled.rounded()) < 0.05 ? 0 : 1) + unit
        case .area:
            guard let number = value.double else { return value.description }
            return grouped(number, decimals: number == number.rounded() ? 0 : 1) + " ㎡"
        case .date, .datetime:
            guard let date = Self.date(from: value) else { return value.description }
            var text = dateText(date)
            if format == .datetime && date.hasTime {
                text += " " + Self.twoDigits(date.hour) + ":" + Self.twoDigits(date.minute)
            }
            return text
        case .duration:
            // Seconds, shown in the two largest units: 2 天 3 小時, 45 分.
            guard let number = value.double else { return value.description }
            return duration(Int(number.rounded()))
        }
    }

    /// Numbers without a format keep what they are; long decimals are cut to two places.
    func plain(_ value: Value) -> String {
        if case .real(let number) = value, number != number.rounded() { return grouped(number, decimals: 2, group: false) }
        return value.description
    }

    public func dateText(_ date: CalendarDate) -> String {
        switch language {
        case .english:
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            return "\(date.day) \(months[date.month - 1]) \(date.year)"
        default:
            return "\(date.year)年\(date.month)月\(date.day)日"
        }
    }

    func duration(_ seconds: Int) -> String {
        let units: [(Int, String, String, String)] = [
            (86_400, "天", "天", "d"), (3600, "小時", "小时", "h"), (60, "分", "分", "min"), (1, "秒", "秒", "s"),
        ]
        var rest = abs(seconds)
        var parts: [String] = []
        for (size, hant, hans, english) in units where rest >= size && parts.count < 2 {
            let count = rest / size
            rest %= size
            let unit = language == .english ? english : language == .simplifiedChinese ? hans : hant
            parts.append(language == .english ? "\(count) \(unit)" : "\(count) \(unit)")
        }
        if parts.isEmpty { return language == .english ? "0 s" : "0 秒" }
        return (seconds < 0 ? "-" : "") + parts.joined(separator: " ")
    }

    static func date(from value: Value) -> CalendarDate? {
        switch value {
        case .text(let text): return CalendarDate(parsing: text)
        case .integer(let seconds): return CalendarDate(secondsSinceEpoch: Int(seconds))
        case .real(let seconds): return CalendarDate(secondsSinceEpoch: Int(seconds))
        default: return nil
        }
    }

    static func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }

    /// `1234567.891` -> `1,234,567.89`, rounding half away from zero.
    func grouped(_ number: Double, decimals: Int, group: Bool = true) -> String {
        guard number.isFinite else { return "—" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(number) * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = Int64(scaled - Double(whole) * scale)
        if fraction < 0 { fraction = 0 }
        var digits = String(whole)
        if group && digits.count > 3 {
            var out = ""
            for (index, character) in digits.enumerated() {
                if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
                out.append(character)
            }
            digits = out
        }
        let sign = number < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let fractionText = String(fraction)
        return sign + digits + "." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
    }
}
