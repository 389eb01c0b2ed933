/// A date as authors write it in front matter: `2026-03-14`, `2026-03-14 09:30`,
/// `2026-03-14T09:30:00+08:00`. Kept as written (no time-zone conversion) so that a page
/// shows the day its author meant.
public struct CalendarDate: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Offset from UTC in minutes, nil when the author gave none.
    public var utcOffsetMinutes: Int?
    public var hasTime: Bool

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                utcOffsetMinutes: Int? = nil, hasTime: Bool = false) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.utcOffsetMinutes = utcOffsetMinutes
        self.hasTime = hasTime
    }

    /// Parses the forms above; returns nil for anything else (`next tuesday`).
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CalendarDate.daysInMonth(year: year, month: month) else { return nil }
        self.init(year: year, month: month, day: day)
        if index == bytes.count { return }
        guard expect("T") || expect(" ") || expect("t") else { return nil }
        guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
        self.hour = hour
        self.minute = minute
        self.hasTime = true
        if expect(":") {
            guard let second = number(2), second < 61 else { return nil }
            self.second = second
            if expect(".") { while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 } }
        }
        while index < bytes.count, bytes[index] == 32 { index += 1 }
        if index == bytes.count { return }
        if expect("Z") || expect("z") {
            utcOffsetMinutes = 0
        } else {
            let sign: Int
            if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
            guard let offsetHours = number(2) else { return nil }
            _ = expect(":")
            let offsetMinutes = number(2) ?? 0
            utcOffsetMinutes = sign * (offsetHours * 60 + offsetMinutes)
        }
        if index != bytes.count { return nil }
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Seconds since 1970 in UTC (local dates are taken as UTC), for ordering and feeds.
    public var secondsSinceEpoch: Int {
        daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - (utcOffsetMinutes ?? 0) * 60
    }

    public init(secondsSinceEpoch seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(year: year, month: month, day: day, hour: rest / 3600, minute: rest % 3600 / 60,
                  second: rest % 60, utcOffsetMinutes: 0, hasTime: true)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `2026-03-14`
    public var isoDay: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else {
            return "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))"
        }
        // Ten ASCII digits and dashes written in place: the sitemap has one for every page.
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func digits(_ value: Int, _ count: Int, at start: Int) {
                var rest = value
                for position in stride(from: start + count - 1, through: start, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            digits(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            digits(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            digits(day, 2, at: 8)
            return 10
        }
    }

    /// RFC 3339, as sitemaps and Atom feeds want: `2026-03-14T00:00:00Z`.
    public var rfc3339: String {
        let time = "\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))"
        guard let offset = utcOffsetMinutes, offset != 0 else { return "\(isoDay)T\(time)Z" }
        let sign = offset < 0 ? "-" : "+"
        return "\(isoDay)T\(time)\(sign)\(Self.pad(abs(offset) / 60)):\(Self.pad(abs(offset) % 60))"
    }
}
