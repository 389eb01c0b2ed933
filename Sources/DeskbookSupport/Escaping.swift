/// Escaping for the contexts Deskbook writes into. Everything that comes from content,
/// front matter or data passes through one of these.
public enum Escape {
    /// HTML text and double-quoted attribute values.
    public static func html(_ text: String) -> String {
        guard text.utf8.contains(where: needsHTMLEscape) else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 16)
        appendHTML(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` escaped as `html(_:)` does, added to `out`: templates write pages as bytes.
    /// Runs of bytes that need no escape (nearly all) are copied whole.
    public static func appendHTML(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (position, byte) in bytes.enumerated() where needsHTMLEscape(byte) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                runStart = position + 1
                switch byte {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
                default: out.append(contentsOf: "&#39;".utf8)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }

    /// One test a byte, of a bit in a mask of the five (all below 64): every value a
    /// template shows passes here.
    @inline(__always)
    private static func needsHTMLEscape(_ byte: UInt8) -> Bool {
        let special: UInt64 = 1 << UInt8(ascii: "&") | 1 << UInt8(ascii: "<") | 1 << UInt8(ascii: ">")
            | 1 << UInt8(ascii: "\"") | 1 << UInt8(ascii: "'")
        return byte < 64 && special & (1 << UInt64(byte)) != 0
    }

    /// XML text (sitemap, Atom feed): the same entities as HTML text.
    public static func xml(_ text: String) -> String { html(text) }

    /// Percent-encodes one URL path segment, leaving unreserved ASCII as it is.
    /// Non-ASCII (Chinese) segments are encoded so that every URL is plain ASCII.
    public static func urlPathSegment(_ segment: String) -> String {
        percentEncoded(segment, keepingSlashes: false)
    }

    /// Percent-encodes each segment of a `/`-separated path.
    public static func urlPath(_ path: String) -> String {
        percentEncoded(path, keepingSlashes: true)
    }

    /// Letters, digits and `-_.~` stay; every other byte becomes `%XX`. One pass over the
    /// bytes: every URL of every page goes through here.
    static func percentEncoded(_ text: String, keepingSlashes: Bool) -> String {
        var text = text
        func kept(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                return true
            case UInt8(ascii: "/"):
                return keepingSlashes
            default:
                return false
            }
        }
        // Most paths need nothing encoded: the text itself is the answer, nothing is made.
        if text.withUTF8({ $0.allSatisfy(kept) }) { return text }
        return text.withUTF8 { bytes in
            var out = [UInt8]()
            out.reserveCapacity(bytes.count)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                     UInt8(ascii: "."), UInt8(ascii: "~"):
                    out.append(byte)
                case UInt8(ascii: "/") where keepingSlashes:
                    out.append(byte)
                default:
                    out.append(UInt8(ascii: "%"))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `%E8%B2%B8` -> `貸`: a URL path as the file system names it.
    public static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
