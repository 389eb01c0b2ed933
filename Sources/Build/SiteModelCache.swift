import Content
import DeskbookSupport

/// Each tree's site model as the last build made it, by the tree's folder, with the key of
/// the pages it was made from (`SiteModel.Keys.shape`). A file of its own beside the build
/// state (`.models`), written whole when a build makes a model anew. Like what loading keeps
/// (`.content`), each record stands for itself whatever became of the build that wrote it:
/// it counts only for pages of its key, and one that does not read back whole is made again.
struct SiteModelCache: Sendable {
    struct Record: Sendable {
        var key: UInt64
        var bytes: SharedBytes
        var range: Range<Int>
    }

    private(set) var records: [String: Record] = [:]

    static let formatVersion: Int64 = 1

    static func path(_ statePath: String) -> String { statePath + ".models" }

    /// The records of the file; none where it is missing, damaged or written by another program.
    /// Mapped while the build holds `lock` (`BuildState.readCacheFile`).
    static func load(_ statePath: String, lock: BuildLock?) -> SiteModelCache {
        var cache = SiteModelCache()
        guard let bytes = BuildState.readCacheFile(path(statePath), lock: lock) else { return cache }
        var input = ByteReader(bytes)
        guard input.integer() == formatVersion, input.word() == BuildState.toolFingerprint,
              let count = input.count(limit: input.remaining) else { return cache }
        for _ in 0..<count {
            guard let prefix = input.text(), let key = input.word(), let hash = input.word(), let length = input.count(),
                  let range = input.skip(length), StableHasher.hash(bytes: bytes[range]) == hash else { return SiteModelCache() }
            cache.records[prefix] = Record(key: key, bytes: bytes, range: range)
        }
        return cache
    }

    /// The model of `pages` from the record for `prefix`, when it was made from pages of `key`.
    func model(_ prefix: String, key: UInt64, pages: [Page]) -> SiteModel? {
        guard let record = records[prefix], record.key == key else { return nil }
        return SiteModel(pages: pages, restoring: record.bytes, range: record.range)
    }

    /// Writes every tree's model with its key. Not saved is not lost: the next build makes them.
    static func save(_ models: [(prefix: String, key: UInt64, model: SiteModel)], _ statePath: String) {
        var out = ByteWriter()
        out.integer(formatVersion)
        out.word(BuildState.toolFingerprint)
        out.integer(models.count)
        for (prefix, key, model) in models {
            var lists = ByteWriter()
            model.encodeLists(into: &lists)
            out.text(prefix)
            out.word(key)
            out.word(StableHasher.hash(bytes: lists.bytes))
            out.blob(lists.bytes)
        }
        do {
            try FileSystem.makeDirectories(FileSystem.parentPath(statePath))
            try FileSystem.writeAtomically(path(statePath), out.bytes)
        } catch {
            FileSystem.removeTree(path(statePath))
        }
    }
}
