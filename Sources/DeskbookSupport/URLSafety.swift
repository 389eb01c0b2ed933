/// Links and image sources that would run code or smuggle content (`javascript:`,
/// `vbscript:`, `data:`) are dropped wherever content can write a URL, unless the site lists
/// the scheme in `allow_url_schemes`.
public enum URLSafety {
    public static let blockedSchemes = ["javascript", "vbscript", "data"]

    /// The scheme of a URL as a browser reads it: leading spaces and control characters
    /// skipped, tabs and line breaks inside ignored (`java\tscript:` is `javascript:`),
    /// lowercased. Nil for a relative URL.
    public static func scheme(of url: String) -> String? {
        var scheme: [UInt8] = []
        var started = false
        for byte in url.utf8 {
            if !started && byte <= 0x20 { continue }
            if byte == 0x09 || byte == 0x0A || byte == 0x0D { continue }
            started = true
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): scheme.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): scheme.append(byte + 32)
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if scheme.isEmpty { return nil }
                scheme.append(byte)
            case UInt8(ascii: ":"):
                return scheme.isEmpty ? nil : String(decoding: scheme, as: UTF8.self)
            default:
                return nil
            }
        }
        return nil
    }

    /// The blocked scheme a URL uses, or nil when it may stay.
    public static func blockedScheme(_ url: String, allowed: [String] = []) -> String? {
        guard let scheme = scheme(of: url), blockedSchemes.contains(scheme), !allowed.contains(scheme) else { return nil }
        return scheme
    }

    /// Attributes that hold a URL.
    static let urlAttributes: Set<String> = ["href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite",
                                             "data", "srcset", "lowsrc", "dynsrc", "ping", "codebase", "manifest", "icon", "longdesc"]

    /// Raw HTML a site lets through (`unsafe_html: true`) with its dangerous parts taken out:
    /// URL attributes with a blocked scheme and event handler attributes (`onerror=`), which
    /// the Content-Security-Policy would block anyway. Returns the HTML and what was removed.
    public static func filterRawHTML(_ html: String, allowed: [String] = []) -> (html: String, removed: [String]) {
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var removed: [String] = []
        var index = 0
        func isNameByte(_ byte: UInt8) -> Bool {
            !(byte <= 0x20 || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
              || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<"))
        }
        while index < bytes.count {
            let byte = bytes[index]
            // A start tag: `<` and a letter. Anything else is copied as it is.
            guard byte == UInt8(ascii: "<"), index + 1 < bytes.count, isLetter(bytes[index + 1]) else {
                out.append(byte)
                index += 1
                continue
            }
            out.append(byte)
            index += 1
            while index < bytes.count, isNameByte(bytes[index]) { out.append(bytes[index]); index += 1 }
            // Attributes until `>`.
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                let start = index
                while index < bytes.count, bytes[index] <= 0x20 || bytes[index] == UInt8(ascii: "/") { index += 1 }
                let nameStart = index
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                if index == nameStart {
                    // A stray `"`, `'`, `=` or `<`: keep it and move on.
                    out.append(contentsOf: bytes[start..<index])
                    if index < bytes.count, bytes[index] != UInt8(ascii: ">") { out.append(bytes[index]); index += 1 }
                    continue
                }
                let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
                var value: [UInt8] = []
                var cursor = index
                while cursor < bytes.count, bytes[cursor] <= 0x20 { cursor += 1 }
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") {
                    cursor += 1
                    while cursor < bytes.count, bytes[cursor] <= 0x20 { cursor += 1 }
                    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
                        let quote = bytes[cursor]
                        cursor += 1
                        let valueStart = cursor
                        while cursor < bytes.count, bytes[cursor] != quote { cursor += 1 }
                        value = Array(bytes[valueStart..<cursor])
                        if cursor < bytes.count { cursor += 1 }
                    } else {
                        let valueStart = cursor
                        while cursor < bytes.count, bytes[cursor] > 0x20, bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                        value = Array(bytes[valueStart..<cursor])
                    }
                    index = cursor
                }
                let decoded = decodeEntities(String(decoding: value, as: UTF8.self))
                if name.hasPrefix("on") {
                    removed.append("\(name)= attribute")
                } else if urlAttributes.contains(name), let scheme = blockedScheme(decoded, allowed: allowed)
                            ?? (name == "srcset" ? decoded.split(separator: ",").lazy.compactMap({ blockedScheme(String($0), allowed: allowed) }).first : nil) {
                    removed.append("\(scheme): URL in \(name)=")
                } else {
                    out.append(contentsOf: bytes[start..<index])
                }
            }
        }
        return (String(decoding: out, as: UTF8.self), removed)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// Character references as a browser decodes them in an attribute: `&#106;`, `&#x6A;`,
    /// and the named ones that can hide a scheme (`&colon;`, `&Tab;`, `&NewLine;`).
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named = ["colon": ":", "tab": "\t", "newline": "\n", "lpar": "(", "rpar": ")", "amp": "&", "quot": "\"", "apos": "'",
                     "lt": "<", "gt": ">", "sol": "/", "period": ".", "semi": ";"]
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            var reference = rest[rest.index(after: amp)...]
            var decoded: String?
            var length = 0
            if reference.first == "#" {
                reference = reference.dropFirst()
                let hex = reference.first == "x" || reference.first == "X"
                if hex { reference = reference.dropFirst() }
                let digits = reference.prefix { hex ? $0.isHexDigit : $0.isASCII && $0.isNumber }
                if let value = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(value) {
                    decoded = String(Character(scalar))
                    length = 1 + (hex ? 1 : 0) + digits.count
                }
            } else {
                let word = reference.prefix { $0.isASCII && $0.isLetter }
                if let value = named[word.lowercased()] {
                    decoded = value
                    length = word.count
                }
            }
            if let decoded {
                out += decoded
                var after = rest.index(amp, offsetBy: 1 + length)
                if after < rest.endIndex, rest[after] == ";" { after = rest.index(after: after) }
                rest = rest[after...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }
}
