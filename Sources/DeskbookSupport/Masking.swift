/// How a masked value is shown: enough for staff to tell records apart and to recognise a
/// customer on the phone, never the whole value.
///
///     name     王小明 → 王**            the first character
///     phone    0912-345-678 → 0912***678   the first four and last three digits
///     id       A123456789 → A12******9   the first three and the last character
///     email    amy@example.com → a***@example.com
///     address  台北市信義區松仁路 100 號 → 台北市*********   the first three characters
///     all      anything → ****
public enum MaskStyle: String, Sendable, CaseIterable {
    case name, phone, id, email, address, all

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The style a column's name suggests, for a column listed without one.
    public static func guess(for column: String) -> MaskStyle {
        let name = column.lowercased()
        func has(_ words: String...) -> Bool { words.contains { name.contains($0) } }
        if has("mail", "郵件", "電郵") { return .email }
        if has("phone", "mobile", "tel", "fax", "手機", "電話", "行動", "傳真") { return .phone }
        if has("id_number", "national_id", "identity", "passport", "身份證", "身分證", "證號", "護照") { return .id }
        if has("address", "地址", "住址") { return .address }
        return .name
    }

    public func apply(_ text: String) -> String {
        switch self {
        case .name: return Self.maskName(text)
        case .phone: return Self.maskPhone(text)
        case .id: return Self.maskKeeping(text, first: 3, last: 1, shortest: 6)
        case .email: return Self.maskEmail(text)
        case .address: return Self.maskKeeping(text, first: 3, last: 0, shortest: 5)
        case .all: return text.isEmpty ? "" : "****"
        }
    }

    /// The first character, then one `*` for every other character but spaces.
    static func maskName(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace
        guard trimmed.count > 1 else { return trimmed.isEmpty ? "" : "*" }
        var out = String(trimmed.first!)
        for character in trimmed.dropFirst() { out.append(character == " " ? " " : "*") }
        return out
    }

    /// Digits only: the first four and the last three of a mobile or full number, fewer of
    /// a short one, none of a very short one.
    static func maskPhone(_ text: String) -> String {
        let digits = text.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init)
        let prefix = text.trimmingWhitespace.hasPrefix("+") ? "+" : ""
        let (first, last) = digits.count >= 9 ? (4, 3) : digits.count >= 6 ? (2, 2) : (0, 0)
        guard !digits.isEmpty else { return text.isEmpty ? "" : "****" }
        return prefix + String(digits.prefix(first)) + String(repeating: "*", count: digits.count - first - last) + String(digits.suffix(last))
    }

    static func maskKeeping(_ text: String, first: Int, last: Int, shortest: Int) -> String {
        let characters = Array(text.trimmingWhitespace)
        guard characters.count >= shortest else { return characters.isEmpty ? "" : String(repeating: "*", count: characters.count) }
        return String(characters.prefix(first)) + String(repeating: "*", count: characters.count - first - last)
            + String(characters.suffix(last))
    }

    static func maskEmail(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace
        guard let at = trimmed.lastIndex(of: "@"), at != trimmed.startIndex else { return maskName(trimmed) }
        return String(trimmed.first!) + "***" + trimmed[at...]
    }
}
