#if canImport(Glibc)
import Glibc
#endif

/// Settings and requests to glibc's allocator, looked up at run time as Swift's Glibc module
/// leaves malloc.h out. Elsewhere they do nothing.
public enum Allocator {
    /// A build allocates and frees a lot on every core: the allocator is asked to grow its
    /// heaps in large steps rather than a few pages at a time (tens of thousands of mprotect
    /// calls otherwise). Threads share heaps, one more than there are cores: each thread of
    /// its own (`startThread`) would otherwise get a heap, each holding memory it freed (and
    /// with huge pages, 2 MiB at a time).
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

    /// Starts the program again, once, with glibc's allocator told to ask the kernel for
    /// huge pages (2 MiB) where the kernel gives them on request. A rebuild of a large site
    /// touches some 60 MB of fresh memory; in 4 KiB pages that is 15,000 page faults, about a
    /// sixth of its CPU time (BENCHMARKS.md). glibc reads the setting (`glibc.malloc.hugetlb`)
    /// only as a process starts, from `GLIBC_TUNABLES`. A setting of the user's own is kept,
    /// and `glibc.malloc.hugetlb=0` there turns this off. Returns when the program goes on
    /// as it is.
    public static func restartWithHugePages() {
        #if os(Linux)
        let variable = "GLIBC_TUNABLES"
        let tunables = getenv(variable).map { String(cString: $0) }
        let preloaded = getenv("LD_PRELOAD").map { String(cString: $0) }
        guard let asking = tunablesAskingForHugePages(tunables, preloaded: preloaded), kernelGivesHugePagesOnRequest(),
              setenv(variable, asking, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Not restarted (no /proc): the environment is left as it was.
        if let tunables { setenv(variable, tunables, 1) } else { unsetenv(variable) }
        #endif
    }

    /// `GLIBC_TUNABLES` with huge pages asked for; nil where it says already whether to, or
    /// where a library is preloaded (`LD_PRELOAD`): a tool that runs the program so (valgrind,
    /// another allocator) would not be there after a restart.
    static func tunablesAskingForHugePages(_ tunables: String?, preloaded: String? = nil) -> String? {
        guard preloaded?.isEmpty ?? true else { return nil }
        let setting = "glibc.malloc.hugetlb"
        guard let tunables, !tunables.isEmpty else { return setting + "=1" }
        return tunables.contains(setting) ? nil : tunables + ":" + setting + "=1"
    }

    /// Whether transparent huge pages are in `madvise` mode: given to memory that asks for
    /// them. In `always` mode every process has them already; in `never`, none does.
    private static func kernelGivesHugePagesOnRequest() -> Bool {
        guard let mode = try? FileSystem.readFile("/sys/kernel/mm/transparent_hugepage/enabled") else { return false }
        return mode.firstRange(of: Array("[madvise]".utf8)) != nil
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
