import DeskbookSupport
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct BackgroundTests {
    /// Work handed to `Background` starts at once, even with every core taken by earlier
    /// work that waits: in Dispatch's pool the last one would wait a second or more for a
    /// thread, and on a machine of one core each build waited so.
    @Test func workStartsWhileEveryCoreIsHeldByWaitingWork() {
        let gate = DispatchSemaphore(value: 0)
        let waiting = (0..<(activeCores() + 2)).map { _ in Background { gate.wait(); return true } }
        let started = DispatchSemaphore(value: 0)
        let last = Background { started.signal(); return true }
        #expect(started.wait(timeout: .now() + .milliseconds(500)) == .success, "the last work did not start")
        for _ in waiting { gate.signal() }
        #expect(waiting.allSatisfy { $0.result() } && last.result())
    }

    /// What `take` hands over is held by nothing else: a search index's documents, taken so,
    /// are filled in where they are rather than copied.
    @Test func takenWorkIsHeldByTheTakerAlone() {
        final class Made: Sendable { let value = 42 }
        let background = Background { Made() }
        var made = background.take()
        #expect(made.value == 42)
        #expect(isKnownUniquelyReferenced(&made))
    }

    private func activeCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
