import DeskbookSupport

/// Everything one build publishes, held until the whole site rendered without error, so a
/// failed build never touches the output folder.
struct OutputPlan: Sendable {
    enum Source: Sendable {
        case bytes([UInt8])
        /// A file copied as it is, by absolute path.
        case copy(String)
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

    static func publish(_ plan: OutputPlan, to directory: String) throws -> Summary {
        try FileSystem.makeDirectories(directory)
        let previous = (try? FileSystem.readText(directory + "/" + manifestName))
            .map { $0.split(separator: "\n").map(String.init) } ?? []

        var folders: Set<String> = []
        for (path, _) in plan.files {
            var parent = FileSystem.parentPath(path)
            while parent != "." && !parent.isEmpty && folders.insert(parent).inserted {
                parent = FileSystem.parentPath(parent)
            }
        }
        for folder in folders.sorted(by: { $0.count < $1.count }) {
            try FileSystem.makeDirectories(directory + "/" + folder)
        }

        let outcomes = parallelMap(plan.files.indices.map { $0 }) { index -> Result<Bool, FileSystem.Failure> in
            let (path, source) = plan.files[index]
            do {
                switch source {
                case .bytes(let bytes): return .success(try FileSystem.writeIfChanged(directory + "/" + path, bytes))
                case .copy(let from): return .success(try FileSystem.copyIfChanged(from: from, to: directory + "/" + path))
                }
            } catch let failure as FileSystem.Failure {
                return .failure(failure)
            } catch {
                return .failure(FileSystem.Failure(path: path, reason: "\(error)"))
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
