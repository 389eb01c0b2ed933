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
    }

    private(set) var files: [(path: String, source: Source)] = []
    private var paths: Set<String> = []

    mutating func add(_ path: String, _ text: String) { add(path, .bytes(Array(text.utf8))) }

    mutating func add(_ path: String, _ source: Source) {
        if paths.insert(path).inserted { files.append((path, source)) }
    }

    func contains(_ path: String) -> Bool { paths.contains(path) }
}

/// Writes an `OutputPlan` into a folder: only files whose bytes changed are written, files a
/// previous build wrote and this one did not are removed, and nothing else is touched.
enum OutputWriter {
    static let manifestName = ".deskbook-manifest"

    struct Summary: Sendable {
        var written = 0
        var unchanged = 0
        var removed = 0
    }

    /// Writes one output file unless it already holds these bytes; makes its folder first.
    static func write(_ path: String, _ bytes: [UInt8], into directory: String) -> Result<Bool, FileSystem.Failure> {
        let full = directory + "/" + path
        do {
            let parent = FileSystem.parentPath(full)
            if !FileSystem.isDirectory(parent) { try FileSystem.makeDirectories(parent) }
            return .success(try FileSystem.writeIfChanged(full, bytes))
        } catch let failure as FileSystem.Failure {
            return .failure(failure)
        } catch {
            return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
        }
    }

    static func publish(_ plan: OutputPlan, to directory: String) throws -> Summary {
        try FileSystem.makeDirectories(directory)
        let previous = (try? FileSystem.readText(directory + "/" + manifestName))
            .map { $0.split(separator: "\n").map(String.init) } ?? []

        let outcomes = parallelMap(plan.files.indices.map { $0 }) { index -> Result<Bool, FileSystem.Failure> in
            let (path, source) = plan.files[index]
            switch source {
            case .bytes(let bytes): return write(path, bytes, into: directory)
            case .copy(let from):
                do { return write(path, try FileSystem.readFile(from), into: directory) } catch let failure as FileSystem.Failure {
                    return .failure(failure)
                } catch {
                    return .failure(FileSystem.Failure(path: from, reason: "\(error)"))
                }
            case .written(let changed): return .success(changed)
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
        for stale in previous where !current.contains(stale) && !stale.isEmpty && !stale.contains("..") {
            try FileSystem.removeFile(directory + "/" + stale)
            summary.removed += 1
            var parent = FileSystem.parentPath(stale)
            while parent != "." && !parent.isEmpty {
                FileSystem.removeDirectoryIfEmpty(directory + "/" + parent)
                parent = FileSystem.parentPath(parent)
            }
        }
        let manifest = plan.files.map(\.path).sorted().joined(separator: "\n") + "\n"
        try FileSystem.writeIfChanged(directory + "/" + manifestName, Array(manifest.utf8))
        return summary
    }
}

/// Writes files on a thread of its own while the caller goes on rendering.
final class BackgroundWriter: @unchecked Sendable {
    let directory: String
    private let queue = DispatchQueue(label: "deskbook.writer")
    private var results: [String: Result<Bool, FileSystem.Failure>] = [:]

    init(directory: String) { self.directory = directory }

    func write(_ path: String, _ bytes: [UInt8]) {
        queue.async {
            self.results[path] = OutputWriter.write(path, bytes, into: self.directory)
        }
    }

    /// Waits for every file; returns whether each changed, or why it could not be written.
    func finish() -> [String: Result<Bool, FileSystem.Failure>] {
        queue.sync { results }
    }
}
