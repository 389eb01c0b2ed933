import Dispatch

/// Maps `transform` over `items` on every core. Results keep the input order.
/// The build's hot stages (parse, render) are independent per page, so this is all
/// the concurrency they need.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    if items.count < 2 { return items.map(transform) }
    let results = UnsafeMutableBufferPointer<R>.allocate(capacity: items.count)
    defer { results.deallocate() }
    nonisolated(unsafe) let output = results
    // One iteration per item: Dispatch hands them out as threads free up, so a few heavy
    // items (a long list page) do not leave a core idle. Each iteration initializes its
    // own element, once.
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        (output.baseAddress! + index).initialize(to: transform(items[index]))
    }
    // The array takes the results over, neither copied nor left behind.
    return [R](unsafeUninitializedCapacity: items.count) { buffer, count in
        buffer.baseAddress!.moveInitialize(from: results.baseAddress!, count: items.count)
        count = items.count
    }
}
