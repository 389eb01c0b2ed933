/// Bytes kept in memory for one later use, so they need not be read again: a page's file, read
/// while loading, until the page renders. Taking them lets go of them.
public final class HeldBytes: @unchecked Sendable {
    private var bytes: [UInt8]?
    private let mutex = Mutex()

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes, the first time; nil after.
    public func take() -> [UInt8]? {
        mutex.withLock {
            defer { bytes = nil }
            return bytes
        }
    }
}
