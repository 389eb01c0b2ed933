import DeskbookSupport

/// Turns heading and tag text into URL-safe identifiers that keep Chinese readable:
/// `貸款 利率 (2026)` -> `貸款-利率-2026`. Latin letters are lower-cased; punctuation of
/// either script becomes a separator.
public enum Slug {
    public static func make(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.unicodeScalars {
            if isKept(scalar) {
                if pendingDash && !out.isEmpty { out.append("-") }
                pendingDash = false
                if scalar.value >= 0x3400 && scalar.value <= 0x9FFF {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value >= 65 && scalar.value <= 90 {
                    out.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
                } else {
                    out.unicodeScalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            } else {
                pendingDash = true
            }
        }
        return out
    }

    static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if scalar.isASCII {
            return (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122) || value == 95
        }
        // CJK ideographs, the common case here, need no look-up of Unicode properties.
        if (value >= 0x4E00 && value <= 0x9FFF) || (value >= 0x3400 && value <= 0x4DBF) { return true }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
    }

    /// Gives each heading of one page a distinct id: a second `說明` becomes `說明-1`.
    /// Ids are told apart by their bytes (`UTF8Key`), as a browser tells them apart, and far
    /// faster than `String` compares Chinese text.
    public struct Deduplicator {
        var used: [UTF8Key: Int] = [:]
        public init() {}
        public mutating func unique(_ base: String) -> String {
            let root = base.isEmpty ? "section" : base
            guard let count = used[UTF8Key(root)] else {
                used[UTF8Key(root)] = 1
                return root
            }
            used[UTF8Key(root)] = count + 1
            let candidate = "\(root)-\(count)"
            if used[UTF8Key(candidate)] != nil { return unique(candidate) }
            used[UTF8Key(candidate)] = 1
            return candidate
        }
    }

    /// A byte of a plain lower-case name: a–z, 0–9, '-' or '_'.
    public static func isPlainByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
