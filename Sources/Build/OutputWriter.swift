import Dispatch
import DeskbookSupport

/// Everything one build publishes, held until the whole site rendered without error, so a
/// failed build never touches the output folder.
struct OutputPlan: Sendable {
    enum Source: Sendable {
        case bytes([UInt8])
        /// A file copied as it is, by absolute path.
        case copy(String)
        /// Already written while pages rendered; true when its bytes changed.
        case written(Bool)
        /// The same file as in the previous release (its inputs did not change).
        case previous
    }

    private(set) var files: [(path: String, source: Source)] = []
    /// By their bytes (`UTF8Key`), as the file system tells paths apart, and cheaper to hash
    /// than `String`: every build adds eleven thousand.
    private var paths: Set<UTF8Key> = []

    mutating func add(_ path: String, _ text: String) { add(path, .bytes(Array(text.utf8))) }

    mutating func add(_ path: String, _ source: Source) {
        if paths.insert(UTF8Key(path)).inserted { files.append((path, source)) }
    }

    func contains(_ path: String) -> Bool { paths.contains(UTF8Key(path)) }

    /// Room for `count` files, made at once rather than as the plan grows.
    mutating func reserveCapacity(_ count: Int) {
        files.reserveCapacity(count)
        paths.reserveCapacity(count)
    }

    /// The file at `index` is in place (its bytes are let go).
    mutating func markWritten(_ index: Int, changed: Bool) { files[index].source = .written(changed) }
}

/// Where a release is written: its folder, and the live release it follows, whose files with
/// the same bytes are hard-linked rather than written.
struct Destination: Sendable {
    let directory: String
    let previous: String?
    /// The folder is an old release being made over (`Releases.begin`): its files that are the
    /// previous release's own stay, the others are replaced, and what the new release lacks
    /// is removed at the end.
    let recycled: Bool
    /// In a recycled release, the files that may differ from the previous release's (those
    /// written since it was built); the others are left as they are, unlooked at. Nil: unknown.
    var changedSinceRecycled: Set<UTF8Key>? = nil
}

/// Writes an `OutputPlan` into a release folder: files whose bytes did not change are
/// hard-linked from the previous release, the others written.
enum OutputWriter {
    static let manifestName = ".deskbook-manifest"

    struct Summary: Sendable {
        var written = 0
        var unchanged = 0
        var removed = 0
        /// The files whose bytes changed (`BuildState.ReleaseRecord`).
        var writtenPaths: [String] = []
    }

    /// Writes one output file of a new release; makes its folder first. A file with the same
    /// bytes in the previous release is hard-linked instead, so it keeps its modification time
    /// and costs no write. Returns whether the bytes changed.
    static func write(_ path: String, _ bytes: [UInt8], to destination: Destination) -> Result<Bool, FileSystem.Failure> {
        guard SiteBoundary.staysInside(path) else { return .failure(outsideFailure(path)) }
        let full = destination.directory + "/" + path
        do {
            if let previous = destination.previous {
                let old = previous + "/" + path
                if FileSystem.size(old) == bytes.count, FileSystem.holds(old, bytes),
                   try link(old, at: full, in: destination) {
                    return .success(false)
                }
            }
            try makeFolder(of: full, in: destination)
            if destination.recycled && FileSystem.isDirectory(full) { FileSystem.removeTree(full) }
            try FileSystem.writeIfChanged(full, bytes)
            return .success(true)
        } catch let failure as FileSystem.Failure {
            return .failure(failure)
        } catch {
            return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
        }
    }

    /// Hard-links `old` at `full`, making its folder; false when the two are on different file
    /// systems. In a recycled release, a file at `full` that already is `old` stays (most do:
    /// a file unchanged since that release was built is the same file in every release since).
    static func link(_ old: String, at full: String, in destination: Destination) throws -> Bool {
        if destination.recycled, let here = FileSystem.status(full) {
            if let there = FileSystem.status(old), here.inode == there.inode, here.device == there.device { return true }
            FileSystem.removeTree(full)
        }
        try makeFolder(of: full, in: destination)
        return FileSystem.hardLink(old, full)
    }

    /// Makes the folder `full` goes in. In a recycled release a file may stand where a folder
    /// must go now (a page that became a section): it is removed.
    static func makeFolder(of full: String, in destination: Destination) throws {
        let folder = FileSystem.parentPath(full)
        do { try FileSystem.makeDirectories(folder) } catch {
            guard destination.recycled else { throw error }
            var path = destination.directory
            for component in folder.dropFirst(destination.directory.count + 1).split(separator: "/") {
                path += "/" + component
                if let status = FileSystem.status(path), !status.isDirectory {
                    FileSystem.removeTree(path)
                    break
                }
            }
            try FileSystem.makeDirectories(folder)
        }
    }

    /// Writes the files the plan holds as bytes (or copies) and marks them written, so that the
    /// plan holds no file's bytes afterwards: at 100,000 pages they are 100 MB of search index.
    static func writeHeld(_ plan: inout OutputPlan, to destination: Destination) throws {
        let held = plan.files.indices.filter { index in
            switch plan.files[index].source {
            case .bytes, .copy: return true
            case .written, .previous: return false
            }
        }
        let files = plan.files
        let outcomes = parallelMap(held) { place(files[$0], in: destination) }
        for (index, outcome) in zip(held, outcomes) {
            switch outcome {
            case .success(let changed): plan.markWritten(index, changed: changed)
            case .failure(let failure): throw failure
            }
        }
    }

    /// Puts one file of the plan in place; whether its bytes changed.
    private static func place(_ file: (path: String, source: OutputPlan.Source), in destination: Destination) -> Result<Bool, FileSystem.Failure> {
        let path = file.path
        switch file.source {
        case .bytes(let bytes): return write(path, bytes, to: destination)
        case .copy(let from):
            do { return write(path, try FileSystem.readFile(from), to: destination) } catch let failure as FileSystem.Failure {
                return .failure(failure)
            } catch {
                return .failure(FileSystem.Failure(path: from, reason: "\(error)"))
            }
        case .written(let changed): return .success(changed)
        case .previous:
            guard let previous = destination.previous else {
                return .failure(FileSystem.Failure(path: path, reason: "no previous release to take it from"))
            }
            // Nothing is done with a file the recycled release holds as the live one does.
            if let changed = destination.changedSinceRecycled, !changed.contains(UTF8Key(path)) { return .success(false) }
            guard SiteBoundary.staysInside(path) else { return .failure(outsideFailure(path)) }
            do {
                if try link(previous + "/" + path, at: destination.directory + "/" + path, in: destination) { return .success(false) }
                // Not linkable (another file system): copied instead.
                return write(path, try FileSystem.readFile(previous + "/" + path), to: Destination(
                    directory: destination.directory, previous: nil, recycled: destination.recycled))
            } catch {
                return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
            }
        }
    }

    /// The paths a release's manifest names (one a line) that the new release's `listing`
    /// lacks. Both list the site's files in the same order, so most rebuilds differ in a few
    /// lines in the middle: only the lines between the longest common start and end, which
    /// hold the whole difference (a path is listed once), are looked up.
    static func gone(from manifest: [UInt8], _ listing: [UInt8]) -> [String] {
        manifest.withUnsafeBytes { old in
            listing.withUnsafeBytes { new in
                var start = commonPrefix(old, new)
                if start == old.count && start == new.count { return [] }
                var end = commonSuffix(UnsafeRawBufferPointer(rebasing: old[start...]), UnsafeRawBufferPointer(rebasing: new[start...]))
                // Out to whole lines: back to the start of the line the difference starts in,
                // on to the end of the line it ends in.
                while start > 0 && old[start - 1] != UInt8(ascii: "\n") { start -= 1 }
                while end > 0 && old[old.count - end] != UInt8(ascii: "\n") { end -= 1 }
                let oldMiddle = UnsafeRawBufferPointer(rebasing: old[start..<(old.count - end)])
                let newMiddle = UnsafeRawBufferPointer(rebasing: new[start..<(new.count - end)])
                var current: Set<UInt64> = []
                _ = lines(newMiddle) { current.insert(StableHasher.hash(bytes: $0)); return false }
                return lines(oldMiddle) { !current.contains(StableHasher.hash(bytes: $0)) }
            }
        }
    }

    /// How many bytes `a` and `b` start with alike, found eight at a time.
    static func commonPrefix(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let count = min(a.count, b.count)
        var position = 0
        while position + 8 <= count && a.loadUnaligned(fromByteOffset: position, as: UInt64.self) == b.loadUnaligned(fromByteOffset: position, as: UInt64.self) {
            position += 8
        }
        while position < count && a[position] == b[position] { position += 1 }
        return position
    }

    /// How many bytes `a` and `b` end with alike, found eight at a time.
    static func commonSuffix(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let count = min(a.count, b.count)
        var length = 0
        while length + 8 <= count && a.loadUnaligned(fromByteOffset: a.count - length - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: b.count - length - 8, as: UInt64.self) {
            length += 8
        }
        while length < count && a[a.count - 1 - length] == b[b.count - 1 - length] { length += 1 }
        return length
    }

    /// The paths a release's manifest names (one a line) that pass `keep`, which sees each
    /// line's bytes.
    private static func lines(_ bytes: UnsafeRawBufferPointer, where keep: (UnsafeRawBufferPointer) -> Bool) -> [String] {
        // Read in place: of a manifest's eleven thousand lines, a few are kept.
        var kept: [String] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if !line.isEmpty && keep(line) { kept.append(String(decoding: line, as: UTF8.self)) }
            start = end + 1
        }
        return kept
    }

    /// The last line of defence: no output path may leave the output folder.
    static func outsideFailure(_ path: String) -> FileSystem.Failure {
        FileSystem.Failure(path: path, reason: "refusing to write outside the output folder")
    }

    /// Writes the rest of a release and its manifest; counts what changed against the
    /// previous release. A recycled release loses the files the new one does not have.
    static func publish(_ plan: OutputPlan, to destination: Destination) throws -> Summary {
        let outcomes = parallelMap(plan.files.indices.map { $0 }) { place(plan.files[$0], in: destination) }
        var summary = Summary()
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let wrote):
                if wrote {
                    summary.written += 1
                    summary.writtenPaths.append(plan.files[index].path)
                } else {
                    summary.unchanged += 1
                }
            case .failure(let failure): throw failure
            }
        }
        // In the plan's order, which the same site gives every build.
        var listing: [UInt8] = []
        listing.reserveCapacity(plan.files.count * 32)
        for file in plan.files {
            listing.append(utf8: file.path)
            listing.append(UInt8(ascii: "\n"))
        }
        // Most rebuilds publish the files the releases before had: their manifests are the
        // same bytes, and no path needs looking up.
        let previousListing = destination.previous.flatMap { try? FileSystem.readFile($0 + "/" + manifestName) }
        let recycledListing = destination.recycled ? try? FileSystem.readFile(destination.directory + "/" + manifestName) : nil
        summary.removed = previousListing.map { gone(from: $0, listing).count } ?? 0
        if destination.recycled, let recycledListing {
            // A stale file's path may be a folder of the new release now. (Nor is a path the
            // release holds ever removed, whatever a damaged manifest lists.)
            for path in gone(from: recycledListing, listing) where SiteBoundary.staysInside(path) {
                let asFolder = path + "/"
                if plan.files.contains(where: { $0.path == path || $0.path.hasPrefix(asFolder) }) { continue }
                FileSystem.removeTree(destination.directory + "/" + path)
                // Folders left empty go too, up to the release's top.
                var folder = FileSystem.parentPath(path)
                while !folder.isEmpty && folder != "." && folder != "/" {
                    FileSystem.removeDirectoryIfEmpty(destination.directory + "/" + folder)
                    folder = FileSystem.parentPath(folder)
                }
            }
        }
        try FileSystem.writeAtomically(destination.directory + "/" + manifestName, listing)
        return summary
    }
}

/// Writes the files of a new release as they render, on the threads that render them, and
/// keeps what became of each. (A writer thread of its own cost more than it saved: rendering
/// keeps every core busy, and handing it each of eleven thousand files woke it and switched
/// threads as often; writing on the rendering threads made a cold build about 10 % faster
/// into memory and no slower onto the disk.)
final class ReleaseWriter: @unchecked Sendable {
    let destination: Destination
    private let mutex = Mutex()
    private var results: [String: Result<Bool, FileSystem.Failure>] = [:]

    init(_ destination: Destination) {
        self.destination = destination
    }

    func write(_ path: String, _ bytes: [UInt8]) {
        let result = OutputWriter.write(path, bytes, to: destination)
        mutex.withLock { results[path] = result }
    }

    /// Whether each file changed, or why it could not be written.
    func finish() -> [String: Result<Bool, FileSystem.Failure>] {
        mutex.withLock { results }
    }
}
