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

    /// The slot of `code`; `next` (and `code` is added) when it is new.
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
final class TermCounter {
    private var keys: UnsafeMutablePointer<UInt64>
    private var weights: UnsafeMutablePointer<UInt32>
    private var sections: UnsafeMutablePointer<UInt8>
    /// The codes as first seen.
    private var seen: UnsafeMutablePointer<UInt64>
    private(set) var count = 0
    private var mask: Int

    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        (keys, weights, sections, seen, mask) = Self.allocate(capacity)
    }

    deinit { Self.free(keys, weights, sections, seen) }

    /// Adds `weight` (in halves) to `code`'s count; a new code keeps `section` as its first.
    /// (Inlined into the tokenizer's loop: it runs for every term of every page.)
    @inline(__always)
    func add(_ code: UInt64, weight: UInt32, section: UInt8) {
        if count * 2 >= mask { grow() }
        var slot = firstSlot(code)
        while true {
            let key = keys[slot]
            if key == code {
                weights[slot] &+= weight
                return
            }
            if key == 0 { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = code
        weights[slot] = weight
        sections[slot] = section
        seen[count] = code
        count += 1
    }

    /// The codes, as first seen.
    var codes: [UInt64] { Array(UnsafeBufferPointer(start: seen, count: count)) }

    /// A code's weight (in halves) and first section; the code must have been added.
    func entry(_ code: UInt64) -> (weight: UInt32, section: UInt8) {
        var slot = firstSlot(code)
        while keys[slot] != code { slot = (slot + 1) & mask }
        return (weights[slot], sections[slot])
    }

    /// The codes (as CJK terms) in order, and where each part of them (`TermParts`) ends.
    /// Each code goes to its slice of a part first, in one pass (a counting sort); then each
    /// slice, a handful of codes, is sorted on its own. Sorting a page's hundreds of codes at
    /// once took several times as long.
    func sortedByPart() -> (codes: [UInt64], partEnds: [Int]) {
        let sliceCount = TermParts.cjkCount * TermParts.slicesPerPart
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: sliceCount) { sliceEnds in
            sliceEnds.initialize(repeating: 0)
            for index in 0..<count { sliceEnds[TermParts.slice(ofCJK: seen[index])] += 1 }
            for slice in 1..<sliceCount { sliceEnds[slice] += sliceEnds[slice - 1] }
            let codes = [UInt64](unsafeUninitializedCapacity: count) { codes, initialized in
                // Filled from each slice's end backwards, which leaves each end where its
                // slice starts.
                for index in stride(from: count - 1, through: 0, by: -1) {
                    let slice = TermParts.slice(ofCJK: seen[index])
                    sliceEnds[slice] -= 1
                    codes[sliceEnds[slice]] = seen[index]
                }
                for slice in 0..<sliceCount {
                    let end = slice + 1 < sliceCount ? sliceEnds[slice + 1] : count
                    if end - sliceEnds[slice] > 1 { Self.sort(codes, sliceEnds[slice], end - 1) }
                }
                initialized = count
            }
            let partEnds = (0..<TermParts.cjkCount).map { part in
                part + 1 < TermParts.cjkCount ? sliceEnds[(part + 1) * TermParts.slicesPerPart] : count
            }
            return (codes, partEnds)
        }
    }

    /// Codes in order: quicksort, insertion sort for short ranges. (The standard library's
    /// sort is a stable merge sort, several times slower for a page's codes.) Sorting bare
    /// codes, then finding each one's `entry`, is several times faster than sorting entries.
    static func sorted(_ codes: [UInt64]) -> [UInt64] {
        var codes = codes
        codes.withUnsafeMutableBufferPointer { sort($0, 0, $0.count - 1) }
        return codes
    }

    private static func sort(_ codes: UnsafeMutableBufferPointer<UInt64>, _ low: Int, _ high: Int) {
        var low = low, high = high
        while high - low > 16 {
            let pivot = codes[(low + high) / 2]
            var left = low, right = high
            while left <= right {
                while codes[left] < pivot { left += 1 }
                while codes[right] > pivot { right -= 1 }
                if left <= right {
                    codes.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            // The smaller side recursively, the larger in the loop: the stack stays shallow.
            if right - low < high - left {
                sort(codes, low, right)
                low = left
            } else {
                sort(codes, left, high)
                high = right
            }
        }
        if high <= low { return }
        for index in (low + 1)...high {
            let code = codes[index]
            var position = index - 1
            while position >= low && codes[position] > code {
                codes[position + 1] = codes[position]
                position -= 1
            }
            codes[position + 1] = code
        }
    }

    /// Where probing for `code` starts.
    private func firstSlot(_ code: UInt64) -> Int { Int(truncatingIfNeeded: (code &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    private func grow() {
        let old = (keys: keys, weights: weights, sections: sections, seen: seen, capacity: mask + 1)
        (keys, weights, sections, seen, mask) = Self.allocate(old.capacity * 2)
        seen.initialize(from: old.seen, count: count)
        for slot in 0..<old.capacity where old.keys[slot] != 0 {
            var newSlot = firstSlot(old.keys[slot])
            while keys[newSlot] != 0 { newSlot = (newSlot + 1) & mask }
            keys[newSlot] = old.keys[slot]
            weights[newSlot] = old.weights[slot]
            sections[newSlot] = old.sections[slot]
        }
        Self.free(old.keys, old.weights, old.sections, old.seen)
    }

    private static func allocate(_ capacity: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt32>,
                                                       UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt64>, Int) {
        // Only the keys need zeros (empty slots), from `calloc`, which clears memory many
        // bytes at a time; a slot's weight and section are written when its key is.
        let keys = calloc(capacity, MemoryLayout<UInt64>.stride)!.bindMemory(to: UInt64.self, capacity: capacity)
        let weights = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        let sections = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        // At most half the slots are used.
        let seen = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity / 2 + 1)
        return (keys, weights, sections, seen, capacity - 1)
    }

    private static func free(_ keys: UnsafeMutablePointer<UInt64>, _ weights: UnsafeMutablePointer<UInt32>,
                             _ sections: UnsafeMutablePointer<UInt8>, _ seen: UnsafeMutablePointer<UInt64>) {
        Glibc.free(keys)
        weights.deallocate()
        sections.deallocate()
        seen.deallocate()
    }
}
