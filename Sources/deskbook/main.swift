import DeskbookCLI

#if canImport(Glibc)
import Glibc

/// A build allocates and frees a lot on every core: the allocator is asked to grow its heaps
/// in large steps rather than a few pages at a time (tens of thousands of mprotect calls
/// otherwise). `mallopt` is looked up at run time as Swift's Glibc module leaves malloc.h out.
func tuneAllocator() {
    typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
    _ = mallopt(-2, 64 << 20)    // M_TOP_PAD
    _ = mallopt(-1, 256 << 20)   // M_TRIM_THRESHOLD
}
tuneAllocator()
#endif

DeskbookCommand.main()
