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
    private var paths: Set<String> = []

    mutating func add(_ path: String, _ text: String) { add(path, .bytes(Array(text.utf8))) }

    mutating func add(_ path: String, _ source: Source) {
        if paths.insert(path).inserted { files.append((path, source)) }
    }

    func contains(_ path: String) -> Bool { paths.contains(path) }
}

/// Writes an `OutputPlan` into a new release folder: files whose bytes did not change are
/// hard-linked from the previous release, the others written.
enum OutputWriter {
    static let manifestName = ".deskbook-manifest"

    struct Summary: Sendable {
        var written = 0
        var unchanged = 0
        var removed = 0
    }

    /// Writes one output file of a new release; makes its folder first. A file with the same
    /// bytes in the previous release is hard-linked instead, so it keeps its modification time
    /// and costs no write. Returns whether the bytes changed.
    static func write(_ path: String, _ bytes: [UInt8], into directory: String, previous: String?) -> Result<Bool, FileSystem.Failure> {
        guard SiteBoundary.staysInside(path) else { return .failure(outsideFailure(path)) }
        let full = directory + "/" + path
        do {
            let parent = FileSystem.parentPath(full)
            try FileSystem.makeDirectories(parent)
            if let previous {
                let old = previous + "/" + path
                if FileSystem.size(old) == bytes.count, let existing = try? FileSystem.readFile(old), existing == bytes,
                   FileSystem.hardLink(old, full) {
                    return .success(false)
                }
            }
            return .success(try FileSystem.writeIfChanged(full, bytes))
        } catch let failure as FileSystem.Failure {
            return .failure(failure)
        } catch {
            return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
        }
    }

    /// The last line of defence: no output path may leave the output folder.
    static func outsideFailure(_ path: String) -> FileSystem.Failure {
        FileSystem.Failure(path: path, reason: "refusing to write outside the output folder")
    }

    /// Writes the rest of a release into `directory` (a new, empty folder) and its manifest;
    /// counts what changed against the `previous` release.
    static func publish(_ plan: OutputPlan, to directory: String, previous: String?) throws -> Summary {
        let outcomes = parallelMap(plan.files.indices.map { $0 }) { index -> Result<Bool, FileSystem.Failure> in
            let (path, source) = plan.files[index]
            switch source {
            case .bytes(let bytes): return write(path, bytes, into: directory, previous: previous)
            case .copy(let from):
                do { return write(path, try FileSystem.readFile(from), into: directory, previous: previous) } catch let failure as FileSystem.Failure {
                    return .failure(failure)
                } catch {
                    return .failure(FileSystem.Failure(path: from, reason: "\(error)"))
                }
            case .written(let changed): return .success(changed)
            case .previous:
                guard SiteBoundary.staysInside(path) else { return .failure(outsideFailure(path)) }
                guard let previous else { return .failure(FileSystem.Failure(path: path, reason: "no previous release to take it from")) }
                let full = directory + "/" + path
                let parent = FileSystem.parentPath(full)
                do { try FileSystem.makeDirectories(parent) } catch {
                    return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
                }
                if FileSystem.hardLink(previous + "/" + path, full) { return .success(false) }
                // Not linkable (another file system): copied instead.
                do { return write(path, try FileSystem.readFile(previous + "/" + path), into: directory, previous: nil) } catch {
                    return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
                }
            }
        }
        var summary = Summary()
        for outcome in outcomes {
            switch outcome {
            case .success(let wrote): if wrote { summary.written += 1 } else { summary.unchanged += 1 }
            case .failure(let failure): throw failure
            }
        }
        let current = Set(plan.files.map(\.path))
        let before = previous.flatMap { try? FileSystem.readText($0 + "/" + manifestName) }?.split(separator: "\n") ?? []
        summary.removed = before.filter { !current.contains(String($0)) }.count
        let manifest = plan.files.map(\.path).sorted().joined(separator: "\n") + "\n"
        try FileSystem.writeAtomically(directory + "/" + manifestName, Array(manifest.utf8))
        return summary
    }
}

/// Writes files on a thread of its own while the caller goes on rendering. At most
/// `backlog` files wait: a renderer that gets ahead of the disk waits too, rather than
/// holding the whole site's HTML in memory.
final class BackgroundWriter: @unchecked Sendable {
    static let backlog = 64
    let directory: String
    let previous: String?
    private let queue = DispatchQueue(label: "deskbook.writer")
    private let waiting = DispatchSemaphore(value: backlog)
    private var results: [String: Result<Bool, FileSystem.Failure>] = [:]

    init(directory: String, previous: String?) {
        self.directory = directory
        self.previous = previous
    }

    func write(_ path: String, _ bytes: [UInt8]) {
        waiting.wait()
        queue.async {
            self.results[path] = OutputWriter.write(path, bytes, into: self.directory, previous: self.previous)
            self.waiting.signal()
        }
    }

    /// Waits for every file; returns whether each changed, or why it could not be written.
    func finish() -> [String: Result<Bool, FileSystem.Failure>] {
        queue.sync { results }
    }
}
