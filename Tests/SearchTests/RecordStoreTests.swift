import DeskbookSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A folder of its own under /tmp, for a test's files.
func temporaryFolder() -> String {
    var template = Array("/tmp/deskbook-test-XXXXXX".utf8CString)
    _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The build cache keeps most of its bytes in stores that builds add to: what a later build
/// reads must be what was saved, wherever it now stands in the file.
@Suite struct RecordStoreTests {
    func save(_ records: [[UInt8]?], stored: [Range<Int>] = [], to path: String, previous: RecordStore?) throws
        -> (store: RecordStore, ranges: [Range<Int>]) {
        var entries: [RecordStore.Entry] = stored.map { .stored($0) }
        // A nil record is the same as the first new one.
        entries += records.map { $0 == nil ? .same(as: stored.count) : .new }
        let saved = try RecordStore.save(entries, to: path, previous: previous) { records[$0 - stored.count]![...] }
        return (try #require(RecordStore(path: path, identity: saved.identity, end: saved.end)), saved.ranges)
    }

    @Test func newRecordsGoAtTheEndAndTheOldStayWhereTheyAre() throws {
        let folder = temporaryFolder()
        defer { FileSystem.removeTree(folder) }
        let path = folder + "/records"
        let first = try save([Array("車位".utf8), Array("訂金退還".utf8)], to: path, previous: nil)
        #expect(first.store.bytes(first.ranges[0]) == Array("車位".utf8))
        #expect(first.store.bytes(first.ranges[1]) == Array("訂金退還".utf8))

        let second = try save([Array("交屋".utf8), nil], stored: [first.ranges[1]], to: path, previous: first.store)
        #expect(second.store.identity == first.store.identity)
        #expect(second.ranges[0] == first.ranges[1])
        #expect(second.ranges[1].lowerBound == first.store.end)
        #expect(second.ranges[2] == second.ranges[1], "a record the same as an earlier one is saved once")
        #expect(second.store.bytes(second.ranges[0]) == Array("訂金退還".utf8))
        #expect(second.store.bytes(second.ranges[1]) == Array("交屋".utf8))
        #expect(FileSystem.size(path) == second.store.end)
        // A store opened before reads nothing past its end, and says so.
        #expect(first.store.bytes(second.ranges[1]) == nil)
        #expect(first.store.damaged != nil)
        #expect(second.store.damaged == nil)
    }

    @Test func aStoreOfMostlyDeadRecordsIsWrittenAnew() throws {
        let folder = temporaryFolder()
        defer { FileSystem.removeTree(folder) }
        let path = folder + "/records"
        let megabyte = [UInt8](repeating: 7, count: 1 << 20)
        let first = try save([megabyte, megabyte, megabyte, Array("留下".utf8) + megabyte], to: path, previous: nil)
        let second = try save([Array("新的".utf8)], stored: [first.ranges[3]], to: path, previous: first.store)
        #expect(second.store.identity != first.store.identity)
        #expect(second.store.bytes(second.ranges[0]) == Array("留下".utf8) + megabyte)
        #expect(second.store.bytes(second.ranges[1]) == Array("新的".utf8))
        #expect(FileSystem.size(path) == second.store.end)
        #expect(second.store.end < 1 << 21)
        // The old identity no longer opens the file.
        #expect(RecordStore(path: path, identity: first.store.identity, end: first.store.end) == nil)
    }

    @Test func whatAnUnfinishedSaveLeftIsWrittenOver() throws {
        let folder = temporaryFolder()
        defer { FileSystem.removeTree(folder) }
        let path = folder + "/records"
        let first = try save([Array("第一筆".utf8)], to: path, previous: nil)
        // A build killed while adding its records left them after the end its records name.
        var bytes = try FileSystem.readFile(path)
        bytes += [UInt8](repeating: 0xFF, count: 5000)
        try FileSystem.writeAtomically(path, bytes)
        let reopened = try #require(RecordStore(path: path, identity: first.store.identity, end: first.store.end))
        let second = try save([Array("第二筆".utf8)], stored: [first.ranges[0]], to: path, previous: reopened)
        #expect(second.ranges[1].lowerBound == first.store.end)
        #expect(second.store.bytes(second.ranges[1]) == Array("第二筆".utf8))
        #expect(FileSystem.size(path) == second.store.end)
    }

    @Test func onlyTheStoreNamedOpens() throws {
        let folder = temporaryFolder()
        defer { FileSystem.removeTree(folder) }
        let path = folder + "/records"
        let saved = try save([Array("內容".utf8)], to: path, previous: nil)
        #expect(RecordStore(path: path, identity: saved.store.identity &+ 1, end: saved.store.end) == nil)
        #expect(RecordStore(path: path, identity: saved.store.identity, end: saved.store.end + 1) == nil)
        #expect(RecordStore(path: folder + "/missing", identity: saved.store.identity, end: saved.store.end) == nil)
        try FileSystem.writeAtomically(folder + "/other", Array("not a store of records at all".utf8))
        #expect(RecordStore(path: folder + "/other", identity: saved.store.identity, end: 16) == nil)
    }
}
