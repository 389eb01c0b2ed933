#if canImport(Glibc)
import Glibc
#endif

/// Settings and requests to glibc's allocator, looked up at run time as Swift's Glibc module
/// leaves malloc.h out. Elsewhere they do nothing.
public enum Allocator {
    /// A build allocates and frees a lot on every core: the allocator is asked to grow its
    /// heaps in large steps rather than a few pages at a time (tens of thousands of mprotect
    /// calls otherwise). Threads share heaps, one more than there are cores: each thread of
    /// its own (`startThread`) would otherwise get a heap, each holding memory it freed.
    public static func tuneForBuilds() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(-2, 64 << 20)    // M_TOP_PAD
        _ = mallopt(-1, 256 << 20)   // M_TRIM_THRESHOLD
        _ = mallopt(-8, Int32(clamping: sysconf(Int32(_SC_NPROCESSORS_ONLN)) + 1))   // M_ARENA_MAX
        #endif
    }

    /// Gives memory freed by a finished phase back to the system. Each thread allocates from
    /// its own heap, and a heap keeps what it freed for that thread alone: without this, the
    /// rendering threads' freed pages and the index's add up at the build's peak.
    public static func releaseFreeMemory() {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}
