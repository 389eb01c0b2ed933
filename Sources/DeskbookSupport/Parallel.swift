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
    // Chunks keep scheduling overhead small for thousands of tiny items.
    let chunkCount = min(items.count, 64)
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
        let start = items.count * chunk / chunkCount
        let end = items.count * (chunk + 1) / chunkCount
        for index in start..<end { output[index] = transform(items[index]) }
    }
    return results.map { $0! }
}
