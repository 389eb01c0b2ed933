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

    /// Starts the program over, once, with glibc's allocator asking for its memory in 2 MiB
    /// pages (`glibc.malloc.hugetlb=1`), where the system gives them only when asked
    /// (transparent huge pages in `madvise` mode, as on Debian). A build takes tens of
    /// megabytes of fresh memory, and the kernel hands out and takes back each 4 KiB page with
    /// a fault of its own (12,000 in a one-page rebuild of 10,000 pages, 46,000 in a build from
    /// nothing); in 2 MiB pages that is a twentieth of the faults, about a tenth of a build's
    /// time, for 2–3 ms to start again. The setting is read only from the environment as the
    /// program starts, hence the restart. Does nothing where the setting is given already or
    /// the restart fails.
    public static func restartWithLargePages() {
        #if canImport(Glibc)
        let name = "GLIBC_TUNABLES"
        let given = getenv(name).map { String(cString: $0) } ?? ""
        guard !given.contains("glibc.malloc.hugetlb"),
              let mode = try? FileSystem.readText("/sys/kernel/mm/transparent_hugepage/enabled"),
              mode.contains("[madvise]") else { return }
        setenv(name, given.isEmpty ? "glibc.malloc.hugetlb=1" : given + ":glibc.malloc.hugetlb=1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the program goes on as it was started.
        if given.isEmpty { unsetenv(name) } else { setenv(name, given, 1) }
        #endif
    }

    /// Whether the allocator asks for 2 MiB pages (`restartWithLargePages`).
    public static var asksForLargePages: Bool {
        #if canImport(Glibc)
        getenv("GLIBC_TUNABLES").map { String(cString: $0).contains("glibc.malloc.hugetlb=1") } ?? false
        #else
        false
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
