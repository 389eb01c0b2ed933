import Dispatch

/// Maps `transform` over `items` on every core. Results keep the input order.
/// The build's hot stages (parse, render) are independent per page, so this is all
/// the concurrency they need.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    if items.count < 2 { return items.map(transform) }
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    nonisolated(unsafe) let output = results
    // One iteration per item: Dispatch hands them out as threads free up, so a few heavy
    // items (a long list page) do not leave a core idle.
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        output[index] = transform(items[index])
    }
    return results.map { $0! }
}
