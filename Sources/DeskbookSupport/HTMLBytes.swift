/// HTML already made, as UTF-8 bytes: a page's rendered Markdown, a list item, a partial.
/// Templates insert it as it is (escaped by `{{ }}`, as any text), and no `String` is made of
/// it: making one checks every byte again, and pages are written as bytes anyway.
public struct HTMLBytes: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
