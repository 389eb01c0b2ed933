import DeskbookSupport
import DeskbookTestSupport
import Testing

/// A file mapped into memory reads as the file does, and keeps what guards it until the
/// mapping goes; records read from it outlive their reader.
@Suite struct SharedBytesTests {
    final class Guard {}

    func file(_ bytes: [UInt8]) throws -> (TestSite, String) {
        let site = try TestSite([:])
        try site.write("cache.bin", bytes: bytes)
        return (site, site.root + "/cache.bin")
    }

    @Test func aMappedFileHoldsTheFilesBytesUpToTheLengthAsked() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let (site, path) = try file(bytes)
        defer { site.remove() }
        let whole = try FileSystem.mapFile(path, keeping: Guard())
        #expect(whole.isMapped)
        #expect(Array(whole.buffer) == bytes)
        let part = try FileSystem.mapFile(path, length: 70_001, keeping: Guard())
        #expect(Array(part.buffer) == Array(bytes.prefix(70_001)))
        // Longer than the file: the file.
        #expect(try FileSystem.mapFile(path, length: 300_000, keeping: Guard()).count == bytes.count)
    }

    @Test func anEmptyFileIsReadNotMapped() throws {
        let (site, path) = try file([])
        defer { site.remove() }
        let empty = try FileSystem.mapFile(path, keeping: Guard())
        #expect(!empty.isMapped && empty.count == 0)
        #expect(throws: FileSystem.Failure.self) { try FileSystem.mapFile(site.root + "/missing", keeping: Guard()) }
    }

    @Test func theGuardIsKeptUntilTheMappingGoes() throws {
        let (site, path) = try file(Array(repeating: 1, count: 10_000))
        defer { site.remove() }
        var guarding: Guard? = Guard()
        weak let kept = guarding
        var mapped: SharedBytes? = try FileSystem.mapFile(path, keeping: guarding!)
        guarding = nil
        #expect(kept != nil)
        #expect(mapped?.count == 10_000)
        mapped = nil
        #expect(kept == nil)
    }

    @Test func aBlobReadInPlaceOutlivesItsReader() throws {
        var out = ByteWriter()
        out.text("標題")
        out.blob(Array("第一段".utf8))
        out.integer(42)
        let (site, path) = try file(out.bytes)
        defer { site.remove() }
        var slice: ByteSlice?
        do {
            var input = ByteReader(try FileSystem.mapFile(path, keeping: Guard()))
            #expect(input.text() == "標題")
            slice = input.blobInPlace()
            #expect(input.integer() == 42 && input.isAtEnd)
        }
        let blob = try #require(slice)
        #expect(String(decoding: blob.buffer, as: UTF8.self) == "第一段")
        #expect(blob == ByteSlice(Array("第一段".utf8)))
        // From an array, too.
        var input = ByteReader(out.bytes)
        _ = input.text()
        #expect(input.blobInPlace() == blob)
    }
}
