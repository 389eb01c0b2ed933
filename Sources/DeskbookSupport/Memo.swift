/// Values worked out once and shared by every thread of a build.
public final class Memo<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private var values: [Key: Value] = [:]
    private let mutex = Mutex()

    public init() {}

    /// The value for `key`, made by `make` the first time it is asked for.
    public func value(for key: Key, _ make: () -> Value) -> Value {
        if let known = mutex.withLock({ values[key] }) { return known }
        let made = make()
        mutex.withLock { values[key] = made }
        return made
    }

    /// Forgets every value, to give their memory back once no one will ask again.
    public func removeAll() {
        mutex.withLock { values = [:] }
    }
}
