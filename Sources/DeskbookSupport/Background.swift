import Dispatch

/// Work started on another thread now, its result collected later with `result()`.
public final class Background<Value: Sendable>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            self.value = work()
            self.done.signal()
        }
    }

    /// Waits for the work to finish and returns what it made.
    public func result() -> Value {
        done.wait()
        done.signal()
        return value!
    }
}
