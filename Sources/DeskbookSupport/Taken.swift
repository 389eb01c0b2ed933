/// A value that one thread takes, leaving nothing behind to hold memory. Taking it is also how
/// a value captured by a closure is handed on as the only reference to its storage, so that
/// changing it does not copy it.
public final class Taken<Value>: @unchecked Sendable {
    private var value: Value?
    public init(_ value: Value) { self.value = value }
    /// Only once, by one thread.
    public func take() -> Value {
        defer { value = nil }
        return value!
    }
}
