import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Work started on another thread now, its result collected later with `result()`.
public final class Background<Value: Sendable>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping @Sendable () -> Value) {
        startThread {
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

    /// Waits for the work to finish and hands over what it made, keeping nothing: a value
    /// changed afterwards is changed in place, not copied. Once only.
    public func take() -> Value {
        done.wait()
        return value.take()!
    }
}

/// Runs `work` on a thread of its own, started now. Dispatch's pool (which `parallelMap`
/// uses) has a thread per core and adds one only after work has waited there about a
/// second: on a machine of one core, work that waits behind work that blocks (a build's
/// reading of its cache, a server's accept loop) would hold everything up for seconds.
public func startThread(_ work: @escaping @Sendable () -> Void) {
    final class Work {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    let context = Unmanaged.passRetained(Work(work)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let started = pthread_create(&thread, &attributes, { context in
        Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    if started != 0 {
        // No thread to be had: the pool runs it, late rather than never.
        Unmanaged<Work>.fromOpaque(context).release()
        DispatchQueue.global().async(execute: work)
    }
}
