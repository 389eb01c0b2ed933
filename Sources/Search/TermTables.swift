#if canImport(Glibc)
import Glibc
#endif

/// The index is built one part of the terms at a time, to bound its memory: CJK terms in
/// ranges of their first character (the common ideographs split evenly), and the words.
enum TermParts {
    static let cjkCount = 32
    static let words = cjkCount
    static let count = cjkCount + 1

    /// A CJK term's code (a character in each 32-bit half) in 42 bits, a character in each
    /// 21: the same order, and smaller gaps between neighbours, so encoded pages are smaller.
    static func packed(_ code: UInt64) -> UInt64 { (code >> 32) << 21 | (code & 0x1F_FFFF) }

    static func code(unpacking packed: UInt64) -> UInt64 { (packed >> 21) << 32 | (packed & 0x1F_FFFF) }

    /// A word of up to eight letters as one number, its first letter in the lowest byte:
    /// words are counted and looked up by it, far faster than by their text.
    @inline(__always)
    static func packed<Letters: Collection>(word letters: Letters) -> UInt64 where Letters.Element == UInt8 {
        var packed: UInt64 = 0
        var shift: UInt64 = 0
        for letter in letters {
            packed |= UInt64(letter) << shift
            shift += 8
        }
        return packed
    }

    /// Each part cut in `slicesPerPart` slices of its first characters, in code order, so
    /// that a page's CJK terms are put in order slice by slice: a handful of terms each. (A
    /// part's slices are `part * slicesPerPart` up to the next part's.)
    static let slicesPerPart = 8

    static func slice(ofCJK code: UInt64) -> Int {
        let first = Int(code >> 32)
        if first < 0x4E00 { return first * slicesPerPart / 0x4E00 }
        if first > 0x9FFF { return (cjkCount - 1) * slicesPerPart + min((first - 0xA000) >> 13, slicesPerPart - 1) }
        // As `part(ofCJK:)`, with `slicesPerPart` times the steps.
        return slicesPerPart + (first - 0x4E00) * (cjkCount - 2) * slicesPerPart / (0xA000 - 0x4E00)
    }

    static func part(ofCJK code: UInt64) -> Int {
        let first = Int(code >> 32)
        if first < 0x4E00 { return 0 }
        if first > 0x9FFF { return cjkCount - 1 }
        return 1 + (first - 0x4E00) * (cjkCount - 2) / (0xA000 - 0x4E00)
    }
}

/// Numbers terms by code as they are first seen: open addressing over plain arrays. Zero is
/// no code (it marks a free place).
struct SlotTable {
    private var keys: [UInt64]
    private var slots: [Int32]
    private var used = 0

    /// Room for `expected` codes before it grows.
    init(expected: Int = 512) {
        var capacity = 1024
        while capacity < expected * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        slots = [Int32](repeating: 0, count: capacity)
    }

    /// The slot of `code`; nil when it has none.
    func existingSlot(of code: UInt64) -> Int? {
        let position = place(of: code)
        return keys[position] == code ? Int(slots[position]) : nil
    }

    /// The slot of `code`; `next` (and `code` is added) when it is new. (Inlined: the index
    /// asks this for every posting of the site.)
    @inline(__always)
    mutating func slot(of code: UInt64, next: Int) -> Int {
        if used * 2 >= keys.count { grow() }
        let position = place(of: code)
        if keys[position] == code { return Int(slots[position]) }
        keys[position] = code
        slots[position] = Int32(next)
        used += 1
        return next
    }

    /// Where `code` is, or the free place where it would go.
    @inline(__always)
    private func place(of code: UInt64) -> Int {
        let mask = keys.count - 1
        var position = Int(truncatingIfNeeded: (code &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while keys[position] != 0 && keys[position] != code { position = (position + 1) & mask }
        return position
    }

    private mutating func grow() {
        let old = zip(keys, slots).filter { $0.0 != 0 }
        keys = [UInt64](repeating: 0, count: keys.count * 2)
        slots = [Int32](repeating: 0, count: keys.count)
        used = 0
        for (code, slot) in old { _ = self.slot(of: code, next: Int(slot)) }
    }
}

/// Counts terms by code (a CJK pair, or a short word's bytes packed in a number), with each
/// one's weight and first section: open addressing over memory of its own. Far cheaper than a
/// dictionary for the thousands of terms a page has, and, being a class over raw memory, free
/// of the copy-on-write checks an array makes on every change: this sees every term of the site.
///
/// The table holds each code with its number in the order first seen; the weights and
/// sections are kept by that number. Encoding walks the terms in order by those numbers,
/// without finding each code in the table again.
final class TermCounter {
    /// The table: a code in each used slot (zero in a free one), and its number.
    private var keys: UnsafeMutablePointer<UInt64>
    private var numbers: UnsafeMutablePointer<UInt32>
    /// By number: the codes as first seen, their weights and first sections.
    private var seen: UnsafeMutablePointer<UInt64>
    private var weights: UnsafeMutablePointer<UInt32>
    private var sections: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var mask: Int

    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        (keys, numbers, seen, weights, sections, mask) = Self.allocate(capacity)
    }

    deinit { release() }

    /// Adds `weight` (in halves) to `code`'s count; a new code keeps `section` as its first.
    /// (Inlined into the tokenizer's loop: it runs for every term of every page.)
    @inline(__always)
    func add(_ code: UInt64, weight: UInt32, section: UInt8) {
        if count * 2 >= mask { grow() }
        var slot = firstSlot(code)
        while true {
            let key = keys[slot]
            if key == code {
                weights[Int(numbers[slot])] &+= weight
                return
            }
            if key == 0 { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = code
        numbers[slot] = UInt32(truncatingIfNeeded: count)
        seen[count] = code
        weights[count] = weight
        sections[count] = section
        count += 1
    }

    /// The codes, as first seen.
    var codes: [UInt64] { Array(UnsafeBufferPointer(start: seen, count: count)) }

    /// The code first seen `number`th, with its weight (in halves) and first section.
    func term(_ number: Int) -> (code: UInt64, weight: UInt32, section: UInt8) { (seen[number], weights[number], sections[number]) }

    /// A code's weight (in halves) and first section; the code must have been added.
    func entry(_ code: UInt64) -> (weight: UInt32, section: UInt8) {
        var slot = firstSlot(code)
        while keys[slot] != code { slot = (slot + 1) & mask }
        let number = Int(numbers[slot])
        return (weights[number], sections[number])
    }

    /// A term's packed code (`TermParts.packed`) with its number: sorted by the code itself,
    /// so that comparing two needs no lookup of their codes by number.
    struct SortedTerm {
        var packed: UInt64
        var number: UInt32
    }

    /// The terms in order of their codes (as CJK terms), and where each part of them
    /// (`TermParts`) ends. Each term goes to its slice of a part first, in one pass (a
    /// counting sort); then each slice, a handful of terms, is sorted on its own. Sorting a
    /// page's hundreds of codes at once took several times as long.
    func sortedByPart() -> (terms: [SortedTerm], partEnds: [Int]) {
        let sliceCount = TermParts.cjkCount * TermParts.slicesPerPart
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: sliceCount) { sliceEnds in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: max(count, 1)) { slices in
                sliceEnds.initialize(repeating: 0)
                for number in 0..<count {
                    let slice = TermParts.slice(ofCJK: seen[number])
                    slices[number] = UInt16(truncatingIfNeeded: slice)
                    sliceEnds[slice] += 1
                }
                for slice in 1..<sliceCount { sliceEnds[slice] += sliceEnds[slice - 1] }
                let terms = [SortedTerm](unsafeUninitializedCapacity: count) { terms, initialized in
                    // Filled from each slice's end backwards, which leaves each end where its
                    // slice starts.
                    for number in stride(from: count - 1, through: 0, by: -1) {
                        let slice = Int(slices[number])
                        sliceEnds[slice] -= 1
                        (terms.baseAddress! + sliceEnds[slice]).initialize(
                            to: SortedTerm(packed: TermParts.packed(seen[number]), number: UInt32(truncatingIfNeeded: number)))
                    }
                    for slice in 0..<sliceCount {
                        let end = slice + 1 < sliceCount ? sliceEnds[slice + 1] : count
                        if end - sliceEnds[slice] > 1 { Self.sort(terms, sliceEnds[slice], end - 1) { $0.packed } }
                    }
                    initialized = count
                }
                let partEnds = (0..<TermParts.cjkCount).map { part in
                    part + 1 < TermParts.cjkCount ? sliceEnds[(part + 1) * TermParts.slicesPerPart] : count
                }
                return (terms, partEnds)
            }
        }
    }

    /// Codes in order: quicksort, insertion sort for short ranges. (The standard library's
    /// sort is a stable merge sort, several times slower for a page's codes.) Sorting bare
    /// codes, then finding each one's `entry`, is several times faster than sorting entries.
    static func sorted(_ codes: [UInt64]) -> [UInt64] {
        var codes = codes
        codes.withUnsafeMutableBufferPointer { codes in
            sort(codes, 0, codes.count - 1) { $0 }
        }
        return codes
    }

    /// Quicksort of `items[low...high]` by `key`, insertion sort for short ranges.
    @inline(__always)
    private static func sort<Item>(_ items: UnsafeMutableBufferPointer<Item>, _ low: Int, _ high: Int, key: (Item) -> UInt64) {
        var low = low, high = high
        while high - low > 16 {
            let pivot = key(items[(low + high) / 2])
            var left = low, right = high
            while left <= right {
                while key(items[left]) < pivot { left += 1 }
                while key(items[right]) > pivot { right -= 1 }
                if left <= right {
                    items.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            // The smaller side recursively, the larger in the loop: the stack stays shallow.
            if right - low < high - left {
                sort(items, low, right, key: key)
                low = left
            } else {
                sort(items, left, high, key: key)
                high = right
            }
        }
        if high <= low { return }
        for index in (low + 1)...high {
            let item = items[index]
            let itemKey = key(item)
            var position = index - 1
            while position >= low && key(items[position]) > itemKey {
                items[position + 1] = items[position]
                position -= 1
            }
            items[position + 1] = item
        }
    }

    /// Where probing for `code` starts.
    private func firstSlot(_ code: UInt64) -> Int { Int(truncatingIfNeeded: (code &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    private func grow() {
        let old = (keys: keys, numbers: numbers, seen: seen, weights: weights, sections: sections)
        (keys, numbers, seen, weights, sections, mask) = Self.allocate((mask + 1) * 2)
        seen.initialize(from: old.seen, count: count)
        weights.initialize(from: old.weights, count: count)
        sections.initialize(from: old.sections, count: count)
        for number in 0..<count {
            var slot = firstSlot(seen[number])
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = seen[number]
            numbers[slot] = UInt32(truncatingIfNeeded: number)
        }
        Self.release(old.keys, old.numbers, old.seen, old.weights, old.sections)
    }

    private static func allocate(_ capacity: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt64>,
                                                       UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt8>, Int) {
        // Only the keys need zeros (empty slots), from `calloc`, which clears memory many
        // bytes at a time; a slot's number is written when its key is.
        let keys = calloc(capacity, MemoryLayout<UInt64>.stride)!.bindMemory(to: UInt64.self, capacity: capacity)
        // At most half the slots are used.
        let most = capacity / 2 + 1
        return (keys, .allocate(capacity: capacity), .allocate(capacity: most), .allocate(capacity: most), .allocate(capacity: most), capacity - 1)
    }

    private func release() { Self.release(keys, numbers, seen, weights, sections) }

    private static func release(_ keys: UnsafeMutablePointer<UInt64>, _ numbers: UnsafeMutablePointer<UInt32>, _ seen: UnsafeMutablePointer<UInt64>,
                                _ weights: UnsafeMutablePointer<UInt32>, _ sections: UnsafeMutablePointer<UInt8>) {
        Glibc.free(keys)
        numbers.deallocate()
        seen.deallocate()
        weights.deallocate()
        sections.deallocate()
    }
}
