import Content
import DeskbookSupport
import Search

#if canImport(Glibc)
import Glibc
#endif

/// What a build leaves in the cache for the next build of the same output: a fingerprint of
/// its inputs, the release it published, the key of every rendered page, and what each page's
/// Markdown gave. The next build renders only what changed; with nothing changed it writes
/// nothing at all. The cache is never needed for correctness: a missing or damaged state file
/// reads as "build everything", and every key covers all the inputs of what it stands for.
struct BuildState: Sendable {
    /// What rendering one page left that other outputs need (the search index, feed
    /// summaries, warnings), kept so an unchanged page is not rendered again; `key` is the
    /// page's Markdown key it was rendered with.
    struct MarkdownEntry: Sendable {
        var key: UInt64
        var digest: PageDigest
    }

    /// One release a build published: the release it followed and the files it wrote (the
    /// others are the same files as in that one, hard-linked).
    struct ReleaseRecord: Sendable, Equatable {
        var name: String
        var base: String
        /// The paths it wrote, one a line, as the summary holds them: after a build from
        /// nothing that is every file of the site, read by each of the next builds, and
        /// looked at by few (`changedSince`).
        var writtenLines: ByteSlice

        init(name: String, base: String, written: [String]) {
            (self.name, self.base) = (name, base)
            var lines: [UInt8] = []
            for path in written {
                lines.append(utf8: path)
                lines.append(UInt8(ascii: "\n"))
            }
            writtenLines = ByteSlice(lines)
        }

        init(name: String, base: String, writtenLines: ByteSlice) {
            (self.name, self.base, self.writtenLines) = (name, base, writtenLines)
        }

        var written: [String] { writtenLines.buffer.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) } }
    }

    static let formatVersion: Int64 = 19

    /// A page's id in the page records: its tree's folder and URL path, hashed (the records
    /// hold them as text; a table of ten thousand hashes is made without a string each).
    static func pageID(prefix: String, urlPath: String) -> StableKey { StableKey(StableHasher.hash(prefix.isEmpty ? urlPath : prefix + urlPath)) }
    /// An output path as the page records know it: eleven thousand paths are neither written
    /// out nor read back as text each build.
    static func outputID(_ path: String) -> StableKey { StableKey(StableHasher.hash(path)) }

    var inputs: UInt64 = 0
    var release = ""
    /// When a snapshot that was fresh turns stale (seconds since 1970), which changes pages
    /// though no file did; 0 when none will.
    var staleAfter = 0
    var warnings: [Diagnostic] = []
    /// The last releases published, oldest first (`changedSince`).
    var releases: [ReleaseRecord] = []
    /// Output path (`outputID`) -> key of everything it was rendered from.
    var outputs: [StableKey: UInt64] = [:]
    /// Per tree (its folder, "" for a site without audiences): the key of its search index.
    var searchKeys: [String: UInt64] = [:]
    var searchFiles: [String] = []
    /// Page id (`pageID`) -> its Markdown's results.
    var markdown: [StableKey: MarkdownEntry] = [:]
    /// Per tree: what its search index keeps for the next build (`IndexMemory`).
    var searchMemories: [String: IndexMemory] = [:]
    /// Where the pages' excerpts and search terms of `markdown` are kept, when read from the cache.
    var termsStore: RecordStore?
    /// Where the search memories' postings and chunks are kept, when read from the cache.
    var searchStore: RecordStore?
    /// How the search memories' file was read, when it was (`SearchLog`).
    var searchLog: SearchLog?

    /// The search memories' file (`.search`) is a log: the memories whole, as a build saved
    /// them, then what each later build changed in them (`IndexMemory.encodeChanges`), a
    /// record each, which a rebuild adds in place of writing megabytes anew. A build reads
    /// the records up to the one of the summary it read: one a build left unfinished, or
    /// added after it, is not read, and the next one is written over it.
    struct SearchLog: Sendable {
        /// Where the record of the summary's build ends: the next one goes there.
        var end: Int
        /// Where the whole memories end: once the records after them are a quarter of that,
        /// the memories are written whole again.
        var wholeEnd: Int
        /// The memories' trees: a record holds the changes of each, no more, no fewer.
        var prefixes: Set<String>
    }
    /// Where the page records stand, as the summary names them (`PageStores`); nil before
    /// they were first saved.
    var pageStores: PageStores?
    /// Records in the page log up to its end, those later ones stand for included (counted
    /// as it is read): when most no longer count, the log is written anew.
    var pageLogRecords = 0

    /// The page records' two files as a summary names them: the log of page and output
    /// records (`.pages`, by the identity it was written with and the end of the records
    /// that belong to the summary) and the store of the pages' excerpts and terms (`.terms`).
    struct PageStores: Sendable, Equatable {
        var log: UInt64
        var logEnd: Int
        var terms: UInt64
        var termsEnd: Int
    }

    /// The search index files of the tree in `prefix` ("" for a site without audiences).
    func searchFiles(under prefix: String) -> [String] {
        prefix.isEmpty ? searchFiles : searchFiles.filter { $0.hasPrefix(prefix) }
    }

    /// The state file of one output folder (several outputs can share a site's cache).
    static func path(cacheDirectory: String, output: String) -> String {
        let digits = String(StableHasher.hash(output), radix: 16)
        return cacheDirectory + "/builds/" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A file of the build cache: mapped while this build holds `lock`, under which other builds
    /// neither add to the file nor cut it short (`FileSystem.mapFile`), else read; the first
    /// `length` bytes when given (what a build that did not finish added after them may be
    /// replaced while they are mapped). Nil where it cannot be read.
    static func readCacheFile(_ path: String, length: Int? = nil, lock: BuildLock?) -> SharedBytes? {
        if let lock { return try? FileSystem.mapFile(path, length: length, keeping: lock) }
        return (try? FileSystem.readFile(path)).map(SharedBytes.init)
    }

    /// The summary (enough to tell that nothing changed) is read first and alone; the page
    /// records, tens of megabytes on a large site, only when there is work to do.
    static func loadSummary(_ path: String) -> BuildState? {
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        var input = ByteReader(bytes)
        guard var state = decodeHeader(&input) else { return nil }
        guard let staleAfter = input.integer(), let warningCount = input.count() else { return nil }
        state.staleAfter = Int(staleAfter)
        for _ in 0..<warningCount {
            guard let warning = Diagnostic.decode(&input) else { return nil }
            state.warnings.append(warning)
        }
        guard let releaseCount = input.count() else { return nil }
        for _ in 0..<releaseCount {
            guard let name = input.text(), let base = input.text(), let lines = input.blobInPlace() else { return nil }
            state.releases.append(ReleaseRecord(name: name, base: base, writtenLines: lines))
        }
        guard let hasPageStores = input.byte() else { return nil }
        if hasPageStores == 1 {
            guard let log = input.word(), let logEnd = input.count(limit: Int.max), let terms = input.word(),
                  let termsEnd = input.count(limit: Int.max) else { return nil }
            state.pageStores = PageStores(log: log, logEnd: logEnd, terms: terms, termsEnd: termsEnd)
        }
        return input.isAtEnd ? state : nil
    }

    /// Adds the page records and search memories written with this summary; false when they
    /// are missing or do not belong to it (a build killed between writing the files). The
    /// loaded files are read apart (`loadLoadedFiles`), as loading needs them first.
    mutating func loadPages(_ path: String, lock: BuildLock?) -> Bool {
        let summary = self
        let search = Background { Self.loadSearch(path, header: summary, lock: lock) }
        guard let stores = pageStores, let bytes = Self.readCacheFile(path + ".pages", length: stores.logEnd, lock: lock), bytes.count >= stores.logEnd,
              let store = RecordStore(path: path + ".terms", identity: stores.terms, end: stores.termsEnd) else { return false }
        // What follows the summary's end was added by a build that did not finish.
        var input = ByteReader(bytes, range: 0..<stores.logEnd)
        guard input.integer() == Self.formatVersion, input.word() == Self.toolFingerprint, input.word() == stores.log,
              let pages = Self.decodePages(&input, store: store) else { return false }
        (outputs, markdown, termsStore, pageLogRecords) = (pages.outputs, pages.markdown, store, pages.records)
        if let search = search.result() { (searchKeys, searchFiles, searchMemories, searchStore, searchLog) = search }
        return true
    }

    /// What loading found in each Markdown file, as the last builds left it in `.content`: a
    /// log of records, each a file's path (`LoadedFile.key`) and its `LoadedFile`, a later one
    /// standing for an earlier one of the same path. Each record stands for itself (a file's
    /// status must match it), so any record of this version serves; a record cut short by a
    /// build that was killed ends the log there.
    struct LoadedFileLog {
        var files: [StableKey: LoadedFile.Stored]
        /// Records in the file, those that later ones stand for included; nil when the file
        /// must be written anew before records are added (it ends in a record cut short).
        var records: Int?
    }

    static func loadLoadedFiles(_ path: String, lock: BuildLock?) -> LoadedFileLog? {
        guard let bytes = readCacheFile(path + ".content", lock: lock) else { return nil }
        var input = ByteReader(bytes)
        guard decodeHeader(&input) != nil else { return nil }
        var log = LoadedFileLog(files: [:], records: 0)
        log.files.reserveCapacity(bytes.count / 512)
        while !input.isAtEnd {
            guard let key = input.word(), let length = input.count(), let range = input.skip(length),
                  let file = LoadedFile.Stored(bytes, range: range) else {
                log.records = nil
                break
            }
            log.files[StableKey(key)] = file
            log.records? += 1
        }
        return log
    }

    /// Read with the pages; none (the next index is built from every page's terms) when
    /// missing, damaged or written with another summary.
    private static func loadSearch(_ path: String, header state: BuildState, lock: BuildLock?)
        -> (keys: [String: UInt64], files: [String], memories: [String: IndexMemory], store: RecordStore, log: SearchLog)? {
        guard let bytes = readCacheFile(path + ".search", lock: lock) else { return nil }
        var input = ByteReader(bytes)
        guard var head = SearchRecordHead.decode(&input),
              var store = RecordStore(path: path + ".postings", identity: head.storeIdentity, end: head.storeEnd) else { return nil }
        var memories: [String: IndexMemory] = [:]
        for _ in 0..<head.memoryCount {
            guard let prefix = input.text(), let memory = IndexMemory.decode(&input, store: store) else { return nil }
            memories[prefix] = memory
        }
        let wholeEnd = input.position
        // The later builds' changes, in the order they were made, up to the summary's build.
        while head.inputs != state.inputs || head.release != state.release {
            guard let length = input.count(limit: input.remaining), let range = input.skip(length) else { return nil }
            var record = ByteReader(bytes, range: range)
            guard let next = SearchRecordHead.decode(&record), next.storeIdentity == head.storeIdentity,
                  next.storeEnd >= head.storeEnd, next.memoryCount == memories.count else { return nil }
            for _ in 0..<next.memoryCount {
                guard let prefix = record.text(), memories[prefix] != nil,
                      memories[prefix]!.applyChanges(&record, storeEnd: next.storeEnd) else { return nil }
            }
            guard record.isAtEnd else { return nil }
            head = next
        }
        if head.storeEnd != store.end {
            guard let later = RecordStore(path: store.path, identity: head.storeIdentity, end: head.storeEnd) else { return nil }
            store = later
            for prefix in memories.keys { memories[prefix]!.use(later) }
        }
        return (head.keys, head.files, memories, store, SearchLog(end: input.position, wholeEnd: wholeEnd, prefixes: Set(memories.keys)))
    }

    /// What each record of the search memories' file starts with: the build it is of, its
    /// indexes' keys and files, the store its memories' records are in, and how many memories
    /// follow.
    struct SearchRecordHead {
        var inputs: UInt64
        var release: String
        var keys: [String: UInt64]
        var files: [String]
        var storeIdentity: UInt64
        var storeEnd: Int
        var memoryCount: Int

        static func decode(_ input: inout ByteReader) -> SearchRecordHead? {
            guard let header = BuildState.decodeHeader(&input), let keyCount = input.count() else { return nil }
            var keys: [String: UInt64] = [:]
            for _ in 0..<keyCount {
                guard let prefix = input.text(), let key = input.word() else { return nil }
                keys[prefix] = key
            }
            guard let fileCount = input.count() else { return nil }
            var files: [String] = []
            for _ in 0..<fileCount {
                guard let file = input.text() else { return nil }
                files.append(file)
            }
            guard let identity = input.word(), let end = input.count(limit: Int.max), let count = input.count() else { return nil }
            return SearchRecordHead(inputs: header.inputs, release: header.release, keys: keys, files: files,
                                    storeIdentity: identity, storeEnd: end, memoryCount: count)
        }
    }

    /// `SearchRecordHead` of this state.
    private func encodeSearchHead(into out: inout ByteWriter, storeIdentity: UInt64, storeEnd: Int) {
        encodeHeader(into: &out)
        out.integer(searchKeys.count)
        for (prefix, key) in searchKeys.sorted(by: { $0.key < $1.key }) {
            out.text(prefix)
            out.word(key)
        }
        out.integer(searchFiles.count)
        for file in searchFiles { out.text(file) }
        out.word(storeIdentity)
        out.integer(storeEnd)
        out.integer(searchMemories.count)
    }

    /// Removes a state's files (one that could not be written whole).
    static func remove(_ path: String) {
        for suffix in ["", ".pages", ".terms", ".search", ".postings", ".content"] { FileSystem.removeTree(path + suffix) }
    }

    /// The search indexes' keys, files and memories: as a record of what changed since the
    /// memories were read, after the record read (`SearchLog`), when each memory was read and
    /// updated and the records so far are few; else whole.
    func saveSearch(_ path: String) throws {
        try FileSystem.makeDirectories(FileSystem.parentPath(path))
        if let log = searchLog, let store = searchStore, store.damaged == nil, store.path == path + ".postings",
           Set(searchMemories.keys) == log.prefixes, searchMemories.values.allSatisfy(\.savesAsChanges),
           log.end - log.wholeEnd <= log.wholeEnd / 4 {
            try appendSearchChanges(path + ".search", log: log, store: store)
            return
        }
        try FileSystem.writeAtomically(path + ".search") { write in try encodeSearchMemories(storePath: path + ".postings", write) }
    }

    /// One record of the memories' changes, written where the record read ends.
    private func appendSearchChanges(_ path: String, log: SearchLog, store: RecordStore) throws {
        let saved = try storeSearchRecords({ $0.changedStoreEntries() }, save: store.append)
        var record = ByteWriter()
        encodeSearchHead(into: &record, storeIdentity: saved.identity, storeEnd: saved.end)
        for (prefix, memory, places) in saved.memories {
            record.text(prefix)
            memory.encodeChanges(into: &record, places: places)
        }
        var out = ByteWriter()
        out.integer(record.bytes.count)
        try FileSystem.replaceTail(path, from: log.end, with: out.bytes + record.bytes)
    }

    /// Runs `save`; true when it saved. The cache only saves time: if it cannot be written, it
    /// is removed, and the next build does all the work.
    static func saved(_ path: String, _ save: () throws -> Void) -> Bool {
        do { try save() } catch {
            remove(path)
            return false
        }
        return true
    }

    func saveSummary(_ path: String) throws {
        try FileSystem.writeAtomically(path, encodeSummary())
    }

    /// A piece at a time, like the page records. The memories' postings and chunks, most of
    /// the bytes, go to a store of their own (`RecordStore`), where those an update did not
    /// change stay as they are.
    private func encodeSearchMemories(storePath: String, _ write: FileSystem.Sink) throws {
        let saved = try storeSearchRecords({ $0.storeEntries() }) { entries, bytes in
            try RecordStore.save(entries, to: storePath, previous: searchStore, bytes: bytes)
        }
        var out = ByteWriter()
        encodeSearchHead(into: &out, storeIdentity: saved.identity, storeEnd: saved.end)
        for (prefix, memory, places) in saved.memories {
            out.text(prefix)
            try memory.encode(into: &out, places: places, write: write)
        }
        try out.passOn(to: write)
    }

    /// The memories' records (`records` of each, in order of their trees) saved by `save` into
    /// the store, and each memory with where its records went.
    private func storeSearchRecords(_ records: (IndexMemory) -> (entries: [RecordStore.Entry], bytes: @Sendable (Int) -> ArraySlice<UInt8>),
                                    save: ([RecordStore.Entry], (Int) -> ArraySlice<UInt8>) throws -> (identity: UInt64, end: Int, ranges: [Range<Int>]))
        throws -> (memories: [(prefix: String, memory: IndexMemory, places: ArraySlice<Range<Int>>)], identity: UInt64, end: Int) {
        let memories = searchMemories.sorted { $0.key < $1.key }
        let blobs = memories.map { records($0.value) }
        // Each memory's first position among all of them.
        let firsts = blobs.reduce(into: [0]) { $0.append($0.last! + $1.entries.count) }
        let saved = try save(blobs.flatMap(\.entries)) { position in
            let memory = firsts.lastIndex { $0 <= position }!
            return blobs[memory].bytes(position - firsts[memory])
        }
        let placed = memories.enumerated().map { number, entry in
            (entry.key, entry.value, saved.ranges[firsts[number]..<firsts[number + 1]])
        }
        return (placed, saved.identity, saved.end)
    }

    /// What loading found in each Markdown file (`LoadedFile`), by its path inside `content/`.
    /// The records of the files this build read are added to the log `previous` was read
    /// from; it is written anew, a piece at a time, when there is none, or when most of it
    /// would be records that no longer count (of files changed again or removed). Not saved
    /// is not lost: the next build reads the files again.
    static func saveLoadedFiles(_ files: [(key: StableKey, record: LoadedFile.Stored)], _ path: String, previous: LoadedFileLog?) {
        let added = files.filter { !$0.record.isFromCache }
        do {
            if let records = previous?.records, records + added.count <= 2 * files.count + 64 {
                if added.isEmpty { return }
                var out = ByteWriter()
                for (file, loaded) in added {
                    out.word(file.value)
                    loaded.encode(into: &out)
                }
                try FileSystem.append(path + ".content", out.bytes)
                return
            }
            try FileSystem.makeDirectories(FileSystem.parentPath(path))
            try FileSystem.writeAtomically(path + ".content") { write in
                var out = ByteWriter()
                BuildState().encodeHeader(into: &out)
                for (file, loaded) in files {
                    out.word(file.value)
                    loaded.encode(into: &out)
                    try out.passOnWhenFull(to: write)
                }
                try out.passOn(to: write)
            }
        } catch {
            FileSystem.removeTree(path + ".content")
        }
    }

    private func encodeHeader(into out: inout ByteWriter) {
        out.integer(Self.formatVersion)
        out.word(Self.toolFingerprint)
        out.word(inputs)
        out.text(release)
    }

    fileprivate static func decodeHeader(_ input: inout ByteReader) -> BuildState? {
        guard input.integer() == formatVersion, input.word() == toolFingerprint,
              let inputs = input.word(), let release = input.text() else { return nil }
        var state = BuildState()
        state.inputs = inputs
        state.release = release
        return state
    }

    func encodeSummary() -> [UInt8] {
        var out = ByteWriter()
        encodeHeader(into: &out)
        out.integer(staleAfter)
        out.integer(warnings.count)
        for warning in warnings { warning.encode(into: &out) }
        out.integer(releases.count)
        for record in releases {
            out.text(record.name)
            out.text(record.base)
            out.blob(record.writtenLines)
        }
        out.byte(pageStores == nil ? 0 : 1)
        if let pageStores {
            out.word(pageStores.log)
            out.integer(pageStores.logEnd)
            out.word(pageStores.terms)
            out.integer(pageStores.termsEnd)
        }
        return out.bytes
    }

    /// The files that may differ between the release `old` and `live`: those written by the
    /// builds from `old` to `live`, following each release back to the one it followed. Nil
    /// when `old` is not on that line or a record is missing: then every file must be looked at.
    static func changedSince(_ old: String, live: String, in releases: [ReleaseRecord]) -> Set<UTF8Key>? {
        let records = Dictionary(releases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var changed = Set<UTF8Key>()
        var current = live
        while current != old {
            guard let record = records[current] else { return nil }
            changed.formUnion(record.written.map(UTF8Key.init))
            current = record.base
        }
        return changed
    }

    /// What the page records are written from: each tree's outputs (paths, with its folder, and
    /// keys in job order) and pages (ids are the tree's folder and the page's URL path), as the
    /// build has them, so that nothing is gathered into tables only to be written out.
    struct PageRecords {
        struct Tree {
            var prefix: String
            var outputPaths: [String]
            var outputKeys: [UInt64]
            var urlPaths: [String]
            var markdownKeys: [UInt64]
            var digests: [PageDigest]
        }

        var trees: [Tree]
    }

    /// Saves the page records (`PageRecords`) beside the search's (`saveSearch`) and returns
    /// where they stand; the summary (`saveSummary`) names that, and comes after both: a
    /// summary always comes with the records it was written with. `self` is the last build's
    /// state as read (its records, their stores and the log's length), or an empty one.
    ///
    /// The records are a log: a build adds, after the last build's, the records of the outputs
    /// and pages that changed and of those that are gone; a later record stands for an earlier
    /// one of the same output or page. After a one-page edit that is a few records, not the
    /// site's. The log is written anew, one record each, when there is none, when the terms
    /// store was written anew (every page's place in it moved), or once most of it would be
    /// records that no longer count. Each page's excerpts and search terms, most of the bytes,
    /// go to the terms store (`RecordStore`), where an unchanged page's record stays as it is.
    func savePages(_ records: PageRecords, to path: String) throws -> PageStores {
        try FileSystem.makeDirectories(FileSystem.parentPath(path))
        let terms = records.trees.flatMap { $0.digests.map(\.terms) }
        let store = try RecordStore.save(PageTerms.storeEntries(terms, in: termsStore), to: path + ".terms", previous: termsStore) {
            terms[$0].record()[...]
        }
        var stores = PageStores(log: 0, logEnd: 0, terms: store.identity, termsEnd: store.end)
        if let previous = pageStores, termsStore?.identity == store.identity {
            let changes = changedRecords(records)
            let live = records.trees.reduce(0) { $0 + $1.outputPaths.count + $1.urlPaths.count }
            if pageLogRecords + changes.count <= 2 * live + 1_024 {
                var out = ByteWriter(), added: [UInt8] = []
                try Self.encode(changes, of: records, ranges: store.ranges, into: &out) { added += $0 }
                added += out.bytes
                try FileSystem.replaceTail(path + ".pages", from: previous.logEnd, with: added)
                (stores.log, stores.logEnd) = (previous.log, previous.logEnd + added.count)
                return stores
            }
        }
        stores.log = UInt64.random(in: 1...UInt64.max)
        try FileSystem.writeAtomically(path + ".pages") { write in
            func counted(_ bytes: UnsafeRawBufferPointer) throws {
                stores.logEnd += bytes.count
                try write(bytes)
            }
            var out = ByteWriter()
            out.integer(Self.formatVersion)
            out.word(Self.toolFingerprint)
            out.word(stores.log)
            try Self.encode(.all(of: records), of: records, ranges: store.ranges, into: &out, write: counted)
            try out.passOn(to: counted)
        }
        return stores
    }

    /// The records one build adds to the page log: outputs and pages by their place in
    /// `PageRecords` (tree, then position), and the ids of those that are gone.
    struct LogSegment {
        var outputs: [(tree: Int, index: Int)] = []
        var goneOutputs: [StableKey] = []
        /// `place` is the page's position among all the records' pages (its terms' range).
        var pages: [(tree: Int, index: Int, place: Int)] = []
        var gonePages: [StableKey] = []

        var count: Int { outputs.count + goneOutputs.count + pages.count + gonePages.count }

        static func all(of records: PageRecords) -> LogSegment {
            var segment = LogSegment()
            var place = 0
            for (tree, records) in records.trees.enumerated() {
                segment.outputs += records.outputPaths.indices.map { (tree, $0) }
                for index in records.urlPaths.indices {
                    segment.pages.append((tree, index, place))
                    place += 1
                }
            }
            return segment
        }
    }

    /// What changed since the records `self` holds: outputs of another key, pages of another
    /// Markdown key or digest (a page not rendered again keeps the digest it was read with),
    /// and those that are gone. Compared by id, at ten thousand lookups a table.
    private func changedRecords(_ records: PageRecords) -> LogSegment {
        var segment = LogSegment()
        var outputsKnown = 0, pagesKnown = 0, place = 0
        for (number, tree) in records.trees.enumerated() {
            for index in tree.outputPaths.indices {
                let known = outputs[Self.outputID(tree.outputPaths[index])]
                if known != nil { outputsKnown += 1 }
                if known != tree.outputKeys[index] { segment.outputs.append((number, index)) }
            }
            for index in tree.urlPaths.indices {
                let known = markdown[Self.pageID(prefix: tree.prefix, urlPath: tree.urlPaths[index])]
                if known != nil { pagesKnown += 1 }
                if known?.key != tree.markdownKeys[index] || known?.digest !== tree.digests[index] {
                    segment.pages.append((number, index, place))
                }
                place += 1
            }
        }
        // Each id of this build is one of the last build's at most once: when all of those
        // were found, none is gone.
        if outputsKnown < outputs.count {
            let current = Set(records.trees.flatMap { $0.outputPaths.map(Self.outputID) })
            segment.goneOutputs = outputs.keys.filter { !current.contains($0) }
        }
        if pagesKnown < markdown.count {
            let current = Set(records.trees.flatMap { tree in tree.urlPaths.map { Self.pageID(prefix: tree.prefix, urlPath: $0) } })
            segment.gonePages = markdown.keys.filter { !current.contains($0) }
        }
        return segment
    }

    /// A segment of the page log, a piece at a time: its outputs (id and key), the outputs
    /// gone, its pages (each with its place in the terms store, `ranges`), the pages gone.
    private static func encode(_ segment: LogSegment, of records: PageRecords, ranges: [Range<Int>], into out: inout ByteWriter,
                               write: FileSystem.Sink) throws {
        out.integer(segment.outputs.count)
        for (tree, index) in segment.outputs {
            out.word(outputID(records.trees[tree].outputPaths[index]).value)
            out.word(records.trees[tree].outputKeys[index])
        }
        out.integer(segment.goneOutputs.count)
        for id in segment.goneOutputs { out.word(id.value) }
        out.integer(segment.pages.count)
        for (number, index, place) in segment.pages {
            let tree = records.trees[number], range = ranges[place]
            out.text(tree.prefix, tree.urlPaths[index])
            let digest = tree.digests[index]
            out.word(tree.markdownKeys[index])
            digest.summary.encode(into: &out)
            out.word(digest.terms.hash)
            out.word(digest.terms.excerptsHash)
            out.word(digest.terms.length.bitPattern)
            out.integer(digest.terms.encodedCount)
            out.integer(range.lowerBound)
            out.integer(range.count)
            out.integer(digest.diagnostics.count)
            for diagnostic in digest.diagnostics { diagnostic.encode(into: &out) }
            out.integer(digest.attachments.count)
            for path in digest.attachments { out.text(path) }
            try out.passOnWhenFull(to: write)
        }
        out.integer(segment.gonePages.count)
        for id in segment.gonePages { out.word(id.value) }
    }

    /// The page log's segments in order, a later record standing for an earlier one; nil at
    /// damaged bytes. `records` counts every record read.
    private static func decodePages(_ input: inout ByteReader, store: RecordStore)
        -> (outputs: [StableKey: UInt64], markdown: [StableKey: MarkdownEntry], records: Int)? {
        var outputs: [StableKey: UInt64] = [:]
        var markdown: [StableKey: MarkdownEntry] = [:]
        var records = 0
        let end = store.end
        while !input.isAtEnd {
            guard let outputCount = input.count() else { return nil }
            outputs.reserveCapacity(outputCount)
            for _ in 0..<outputCount {
                guard let id = input.word(), let key = input.word() else { return nil }
                outputs[StableKey(id)] = key
            }
            guard let goneOutputCount = input.count() else { return nil }
            for _ in 0..<goneOutputCount {
                guard let id = input.word() else { return nil }
                outputs[StableKey(id)] = nil
            }
            guard let pageCount = input.count() else { return nil }
            markdown.reserveCapacity(pageCount)
            for _ in 0..<pageCount {
                guard let id = input.blobInPlace().map({ StableKey(StableHasher.hash(bytes: $0)) }), let key = input.word(),
                      let summary = input.blobInPlace().map(PageDigest.Summary.stored),
                      let termsHash = input.word(),
                      let excerptsHash = input.word(), let length = input.word(), let encodedCount = input.count(limit: Int.max),
                      let start = input.count(limit: end), let count = input.count(limit: end - start),
                      let diagnosticCount = input.count() else { return nil }
                let terms = PageTerms(stored: store, range: start..<(start + count), hash: termsHash, excerptsHash: excerptsHash,
                                      length: Double(bitPattern: length), encodedCount: encodedCount)
                var diagnostics: [Diagnostic] = []
                for _ in 0..<diagnosticCount {
                    guard let diagnostic = Diagnostic.decode(&input) else { return nil }
                    diagnostics.append(diagnostic)
                }
                guard let attachmentCount = input.count() else { return nil }
                var attachments: [String] = []
                for _ in 0..<attachmentCount {
                    guard let path = input.text() else { return nil }
                    attachments.append(path)
                }
                markdown[id] = MarkdownEntry(key: key, digest: PageDigest(summary: summary, terms: terms, diagnostics: diagnostics,
                                                                          attachments: attachments))
            }
            guard let gonePageCount = input.count() else { return nil }
            for _ in 0..<gonePageCount {
                guard let id = input.word() else { return nil }
                markdown[StableKey(id)] = nil
            }
            records += outputCount + goneOutputCount + pageCount + gonePageCount
        }
        return (outputs, markdown, records)
    }

    /// The running deskbook program itself (size and time of its file): a new version may
    /// render the same inputs differently, and its built-in theme may have changed.
    static let toolFingerprint: UInt64 = {
        var hasher = StableHasher()
        if let status = FileSystem.status("/proc/self/exe") {
            hasher.combine(status.size)
            hasher.combine(status.modified)
        }
        return hasher.value
    }()
}

/// A fingerprint of every file a build reads, from `stat` alone (size, times, inode), so that
/// telling "nothing changed" costs a walk of the folders, not a read of every file. The
/// folders are listed first, on every core (`FileSystem.statusesOfTrees`), and walked in
/// order from the listings. What it found in each folder under `content/` is kept for
/// loading, which then neither lists a folder again nor takes a second `stat`.
struct InputFingerprint {
    var value: UInt64
    /// Each folder's entries, by path inside `content/` ("" for `content/` itself).
    var contentFolders: [String: [FileSystem.Listed]] = [:]

    static func of(siteDirectory: String, dataFiles: [String], options: BuildOptions) -> InputFingerprint {
        var walker = InputFingerprint(value: 0)
        var hasher = StableHasher()
        hasher.combine(options.includeDrafts)
        hasher.combine(options.strict)
        hasher.combine(options.outputDirectory)
        for name in [SiteConfig.fileName, SiteSynonyms.fileName] { walker.add(siteDirectory + "/" + name, name, &hasher) }
        var visited: Set<[UInt64]> = []
        let folders = ["content", "themes"]
        let listings = FileSystem.statusesOfTrees(folders.map { siteDirectory + "/" + $0 })
        for folder in folders {
            walker.walk(siteDirectory + "/" + folder, folder, inContent: folder == "content" ? "" : nil, listings, &hasher, &visited)
        }
        for file in dataFiles.sorted() {
            walker.add(file, file, &hasher)
            // A snapshot in WAL mode keeps recent commits beside it.
            walker.add(file + "-wal", file + "-wal", &hasher)
        }
        walker.value = hasher.value
        return walker
    }

    @discardableResult
    private mutating func add(_ path: String, _ name: String, _ hasher: inout StableHasher) -> FileSystem.Status? {
        let status = FileSystem.status(path)
        record(name, status, &hasher)
        return status
    }

    private func record(_ name: String, _ status: FileSystem.Status?, _ hasher: inout StableHasher) {
        hasher.combine(name)
        guard let status else {
            hasher.combine(-1)
            return
        }
        hasher.combine(status.size)
        hasher.combine(status.modified)
        hasher.combine(status.changed)
        hasher.combine(Int(truncatingIfNeeded: status.inode))
    }

    /// `inContent`: the folder's path inside `content/`, for a folder there. A file's name goes
    /// into the fingerprint after its folder's: ten thousand paths are not put together. A
    /// folder missing from `listings` (made since they were taken) is listed here.
    private mutating func walk(_ path: String, _ name: String, inContent: String?, _ listings: [FileSystem.FolderID: [FileSystem.Listed]],
                               _ hasher: inout StableHasher, _ visited: inout Set<[UInt64]>) {
        guard let status = add(path, name, &hasher), status.isDirectory,
              visited.insert([status.device, status.inode]).inserted,
              let entries = listings[FileSystem.FolderID(status)] ?? FileSystem.statuses(in: path) else { return }
        if let inContent { contentFolders[inContent] = entries }
        // The count marks where the folder ends: a name is in the folder listed before it.
        hasher.combine(entries.count)
        for entry in entries {
            if entry.status?.isDirectory == true {
                walk(path + "/" + entry.name, name + "/" + entry.name,
                     inContent: inContent.map { $0.isEmpty ? entry.name : $0 + "/" + entry.name }, listings, &hasher, &visited)
            } else {
                record(entry.name, entry.status, &hasher)
            }
        }
    }
}
