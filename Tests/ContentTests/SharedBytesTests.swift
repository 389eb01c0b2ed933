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

/// A file read with the size a listing found for it is read whole whatever its size is now:
/// the size only saves asking the file for its status.
@Suite struct ReadFileTests {
    @Test func aFileIsReadWholeWhateverSizeWasGiven() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        for count in [0, 1, 4_095, 70_000, 200_001] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            try site.write("page.md", bytes: bytes)
            let path = site.root + "/page.md"
            // The size found, one a file that grew since had, one a file that shrank since had, and none.
            for size in [count, max(count - 1, 0), count / 3, count + 1, count + 100_000, nil] as [Int?] {
                #expect(try FileSystem.readFile(path, size: size) == bytes, "\(count) bytes read as \(size.map(String.init) ?? "unknown")")
            }
        }
    }

    @Test func aFolderWhereAFileWasListedIsAnError() throws {
        let site = try TestSite(["content/faq/q.md": "---\ntitle: 問\n---\n答。\n"])
        defer { site.remove() }
        #expect(throws: FileSystem.Failure.self) { try FileSystem.readFile(site.root + "/content/faq", size: 40) }
        #expect(throws: FileSystem.Failure.self) { try FileSystem.readFile(site.root + "/content/faq") }
    }
}
