@testable import DeskbookSupport
import Testing

/// The program starts itself again with huge pages asked for, unless the user's
/// `GLIBC_TUNABLES` already says whether to.
@Suite struct AllocatorTests {
    @Test func hugePagesAreAskedForBesideTheUsersOwnTunables() {
        #expect(Allocator.tunablesAskingForHugePages(nil) == "glibc.malloc.hugetlb=1")
        #expect(Allocator.tunablesAskingForHugePages("") == "glibc.malloc.hugetlb=1")
        #expect(Allocator.tunablesAskingForHugePages("glibc.malloc.arena_max=2") == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
    }

    @Test func aUsersOwnHugePageSettingIsLeftAsItIs() {
        // Also what keeps the restarted program from starting again.
        #expect(Allocator.tunablesAskingForHugePages("glibc.malloc.hugetlb=0") == nil)
        #expect(Allocator.tunablesAskingForHugePages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1") == nil)
    }

    @Test func aProgramRunWithAPreloadedLibraryIsNotRestarted() {
        // valgrind runs its programs so; a restart would leave it behind.
        #expect(Allocator.tunablesAskingForHugePages(nil, preloaded: "/usr/libexec/valgrind/vgpreload_core-amd64-linux.so") == nil)
        #expect(Allocator.tunablesAskingForHugePages(nil, preloaded: "") == "glibc.malloc.hugetlb=1")
    }
}
