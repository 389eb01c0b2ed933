import Dispatch

/// Maps `transform` over `items` on every core. Results keep the input order.
/// The build's hot stages (parse, render) are independent per page, so this is all
/// the concurrency they need.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    parallelMap(items, handedOutIn: nil, transform)
}

/// `parallelMap`, the items handed out largest first by `cost`: a large item taken last
/// would leave the other cores idle while it runs. Results keep the input order.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], costs: [Int], _ transform: @Sendable (T) -> R) -> [R] {
    parallelMap(items, handedOutIn: items.indices.sorted { costs[$0] > costs[$1] }, transform)
}

/// `parallelMap`, the items handed out in `order` (their positions); results keep the input order.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], order: [Int], _ transform: @Sendable (T) -> R) -> [R] {
    precondition(order.count == items.count, "an order of \(order.count) positions for \(items.count) items")
    return parallelMap(items, handedOutIn: order, transform)
}

/// `order`: the items' positions in the order they are handed out; nil for their own order.
private func parallelMap<T: Sendable, R: Sendable>(_ items: [T], handedOutIn order: [Int]?, _ transform: @Sendable (T) -> R) -> [R] {
    if items.count < 2 { return items.map(transform) }
    let results = UnsafeMutableBufferPointer<R>.allocate(capacity: items.count)
    defer { results.deallocate() }
    nonisolated(unsafe) let output = results
    // One iteration per item: Dispatch hands them out as threads free up, so a few heavy
    // items (a long list page) do not leave a core idle. Each iteration initializes its
    // own element, once.
    DispatchQueue.concurrentPerform(iterations: items.count) { iteration in
        let index = order?[iteration] ?? iteration
        (output.baseAddress! + index).initialize(to: transform(items[index]))
    }
    // The array takes the results over, neither copied nor left behind.
    return [R](unsafeUninitializedCapacity: items.count) { buffer, count in
        buffer.baseAddress!.moveInitialize(from: results.baseAddress!, count: items.count)
        count = items.count
    }
}

/// `parallelMap`, its results handed to `take` one at a time, in order, on the calling thread:
/// each is moved out rather than copied, and nothing of it is left to free afterwards.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R, taking take: (consuming R) -> Void) {
    let results = UnsafeMutableBufferPointer<R>.allocate(capacity: items.count)
    defer { results.deallocate() }
    nonisolated(unsafe) let output = results
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        (output.baseAddress! + index).initialize(to: transform(items[index]))
    }
    for index in items.indices { take((results.baseAddress! + index).move()) }
}

