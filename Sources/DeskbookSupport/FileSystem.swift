#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File access through plain system calls. Foundation's file APIs cost several times more
/// on the build's hot path (thousands of small files), so the build uses these instead.
public enum FileSystem {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public struct Entry: Sendable {
        public let name: String
        public let isDirectory: Bool
        public let isSymlink: Bool
    }

    static func failure(_ path: String) -> Failure {
        Failure(path: path, reason: String(cString: strerror(errno)))
    }

    /// Fresh memory for a large file (the build cache's records, tens of megabytes) is asked
    /// for in 2 MiB pages where the system allows it: the read then costs one fault for each
    /// 2 MiB rather than for each 4 KiB, half the time of reading it.
    static func adviseLargePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let large = 1 << 21
        guard buffer.count >= 4 * large, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + large - 1) & ~(large - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(large - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
    }

    /// The file's bytes. `size`, when given, is the size a listing just found for this regular
    /// file (`FileSystem.Status`): the file is then not asked for its status again, one system
    /// call fewer for each page a build reads. A file of another size is still read whole.
    public static func readFile(_ path: String, size known: Int? = nil) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw failure(path) }
        defer { close(fd) }
        let expected: Int, regular: Bool
        if let known, known >= 0 {
            // A folder there now fails its read (EISDIR).
            (expected, regular) = (known, true)
        } else {
            var info = stat()
            if fstat(fd, &info) != 0 { throw failure(path) }
            if (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(path: path, reason: "is a directory") }
            (expected, regular) = (Int(info.st_size), (info.st_mode & S_IFMT) == S_IFREG)
        }
        // Read into memory of the size the file has, plus one byte to see it end there. A
        // regular file reads short only at its end, so a short read needs no second read to
        // find the end: one system call fewer for each file a build reads.
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            count = 0
            adviseLargePages(UnsafeMutableRawBufferPointer(buffer))
            while count < buffer.count {
                let asked = buffer.count - count
                let got = read(fd, buffer.baseAddress! + count, asked)
                if got < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                if got == 0 { return }
                count += got
                if regular && got < asked { return }
            }
        }
        if failed { throw failure(path) }
        // A file that grew since its size was taken: the rest in pieces.
        if bytes.count == expected + 1 {
            var piece = [UInt8](repeating: 0, count: 65_536)
            while true {
                let got = piece.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw failure(path)
                }
                if got == 0 { break }
                bytes += piece[..<got]
            }
        }
        return bytes
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Size in bytes, or nil when the path does not name a file.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Modification time in seconds since 1970.
    public static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// What `stat` says of a file: enough to tell that it changed without reading it.
    public struct Status: Sendable, Equatable {
        init(_ info: stat) {
            self.init(size: Int(info.st_size),
                      modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec),
                      changed: Int(info.st_ctim.tv_sec) * 1_000_000_000 + Int(info.st_ctim.tv_nsec),
                      inode: UInt64(info.st_ino), device: UInt64(info.st_dev), isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
        }

        public var size: Int
        /// Modification and change times, in nanoseconds since 1970.
        public var modified: Int
        public var changed: Int
        public var inode: UInt64
        public var device: UInt64
        public var isDirectory: Bool

        public init(size: Int, modified: Int, changed: Int, inode: UInt64, device: UInt64, isDirectory: Bool) {
            self.size = size
            self.modified = modified
            self.changed = changed
            self.inode = inode
            self.device = device
            self.isDirectory = isDirectory
        }
    }

    /// `stat` (following symbolic links), or nil when the path does not exist.
    public static func status(_ path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Status(info)
    }

    /// The entries of a folder with their statuses (following symbolic links; nil where an
    /// entry cannot be read), sorted by name. Each is looked up from the open folder, not
    /// from the root: a site's every file is looked at before each build.
    public static func statuses(in path: String) -> [Listed]? {
        guard let folder = NamedFolder(path) else { return nil }
        defer { close(folder.descriptor) }
        // A large folder (thousands of FAQ entries) is looked at on every core, in runs.
        let runs = parallelMap(folder.runs) { folder.listed($0) }
        return runs.flatMap { $0 }
    }

    /// A folder's device and inode: one folder, by whichever path it is reached.
    public struct FolderID: Hashable, Sendable {
        let device: UInt64, inode: UInt64

        public init(_ status: Status) { (device, inode) = (status.device, status.inode) }
    }

    /// Every folder in the trees at `roots` (symbolic links followed, each folder once), listed
    /// as `statuses(in:)` lists one, by its `FolderID`. The folders of one depth are read at
    /// once, each on a core, and the statuses of all their entries are then taken on every
    /// core together: a site of three folders of thousands of files each is not walked one
    /// folder after another, each waiting for its slowest run.
    public static func statusesOfTrees(_ roots: [String]) -> [FolderID: [Listed]] {
        var listings: [FolderID: [Listed]] = [:]
        var depth: [(path: String, id: FolderID)] = roots.compactMap { path in
            status(path).flatMap { $0.isDirectory ? (path, FolderID($0)) : nil }
        }
        var seen = Set(depth.map(\.id))
        while !depth.isEmpty {
            let folders = parallelMap(depth) { NamedFolder($0.path) }
            defer { for case let folder? in folders { close(folder.descriptor) } }
            let runs = folders.indices.flatMap { index in (folders[index]?.runs ?? []).map { (folder: index, names: $0) } }
            let listedRuns = parallelMap(runs) { run in folders[run.folder]!.listed(run.names) }
            var listed = Array(repeating: [Listed](), count: depth.count)
            for (run, entries) in zip(runs, listedRuns) { listed[run.folder] += entries }
            var next: [(path: String, id: FolderID)] = []
            for (index, folder) in depth.enumerated() where folders[index] != nil {
                listings[folder.id] = listed[index]
                for entry in listed[index] {
                    guard let status = entry.status, status.isDirectory, seen.insert(FolderID(status)).inserted else { continue }
                    next.append((folder.path + "/" + entry.name, FolderID(status)))
                }
            }
            depth = next
        }
        return listings
    }

    /// A folder held open with its entries' names, sorted, in runs to be looked up on every
    /// core (`listed`). The caller closes `descriptor`.
    private struct NamedFolder: Sendable {
        let descriptor: Int32
        let names: [(name: String, type: UInt8)]
        /// Entries of a folder are looked up this many at a time on a core.
        static let run = 512

        init?(_ path: String) {
            guard let dir = opendir(path) else { return nil }
            defer { closedir(dir) }
            var names: [(name: String, type: UInt8)] = []
            while let entry = readdir(dir) {
                let name = FileSystem.name(of: entry)
                if name != "." && name != ".." { names.append((name, entry.pointee.d_type)) }
            }
            let descriptor = dup(dirfd(dir))
            guard descriptor >= 0 else { return nil }
            self.descriptor = descriptor
            self.names = NameOrder.sorted(names, by: \.name)
        }

        var runs: [ArraySlice<(name: String, type: UInt8)>] {
            stride(from: 0, to: names.count, by: Self.run).map { names[$0..<min($0 + Self.run, names.count)] }
        }

        /// The entries of `run` with their statuses.
        func listed(_ run: ArraySlice<(name: String, type: UInt8)>) -> [Listed] {
            run.map { name, type -> Listed in
                var info = stat()
                var isSymlink = type == UInt8(DT_LNK)
                // The name as the string holds it, NUL-terminated: passed as a `String`, each
                // would be copied into an array of its own first.
                let status = name.withCString { cName -> Status? in
                    // Some file systems do not say what an entry is.
                    if type == UInt8(DT_UNKNOWN), fstatat(descriptor, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                        isSymlink = (info.st_mode & S_IFMT) == S_IFLNK
                    }
                    return fstatat(descriptor, cName, &info, 0) == 0 ? Status(info) : nil
                }
                return Listed(name: name, status: status, isDirectory: status?.isDirectory == true, isSymlink: isSymlink)
            }
        }
    }

    /// Where a name sorts, as `String` sorts names, with three numbers for a short ASCII name
    /// (most): its bytes, the first the most significant, zero where the name is shorter. A
    /// folder of ten thousand is sorted before each build, and numbers sort faster than texts.
    private enum NameOrder {
        /// `items` in the order of their names.
        static func sorted<Item>(_ items: [Item], by name: (Item) -> String) -> [Item] {
            var keys: [(UInt64, UInt64, UInt64, Int)] = []
            keys.reserveCapacity(items.count)
            for (position, item) in items.enumerated() {
                var text = name(item)
                guard let key = text.withUTF8({ utf8 -> (UInt64, UInt64, UInt64)? in
                    guard utf8.count <= 24, utf8.allSatisfy({ $0 != 0 && $0 < 0x80 }) else { return nil }
                    return (utf8.bigEndianWord(from: 0), utf8.bigEndianWord(from: 8), utf8.bigEndianWord(from: 16))
                }) else {
                    // A longer name, or one not in ASCII, in the folder: all by their texts.
                    return items.sorted { name($0) < name($1) }
                }
                keys.append((key.0, key.1, key.2, position))
            }
            // Names in a folder differ, so the position never decides.
            keys.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            return keys.map { items[$0.3] }
        }
    }

    /// An entry of a folder with its status (that of what a symlink leads to; nil when that
    /// cannot be taken), as `statuses(in:)` lists them.
    public struct Listed: Sendable {
        public let name: String
        public let status: Status?
        public let isDirectory: Bool
        public let isSymlink: Bool

        public init(name: String, status: Status?, isDirectory: Bool, isSymlink: Bool) {
            (self.name, self.status, self.isDirectory, self.isSymlink) = (name, status, isDirectory, isSymlink)
        }
    }

    /// A folder held open, to look up many paths below it without walking to it each time.
    public final class OpenFolder: @unchecked Sendable {
        private let descriptor: Int32

        public init?(_ path: String) {
            descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor < 0 { return nil }
        }

        deinit { close(descriptor) }

        /// Whether `relativePath` exists below the folder (following symbolic links).
        public func contains(_ relativePath: String) -> Bool {
            var info = stat()
            return fstatat(descriptor, relativePath, &info, 0) == 0
        }
    }

    /// A folder entry's name, as `readdir` gives it.
    private static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
    }

    /// The entries of a folder, sorted by name so that builds are deterministic.
    public static func listDirectory(_ path: String) throws -> [Entry] {
        guard let dir = opendir(path) else { throw failure(path) }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let entry = readdir(dir) {
            let name = Self.name(of: entry)
            if name == "." || name == ".." { continue }
            var type = entry.pointee.d_type
            var isSymlink = type == UInt8(DT_LNK)
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                if lstat(path + "/" + name, &info) == 0 {
                    isSymlink = (info.st_mode & S_IFMT) == S_IFLNK
                    type = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                }
            }
            var isDirectory = type == UInt8(DT_DIR)
            if isSymlink { isDirectory = Self.isDirectory(path + "/" + name) }
            entries.append(Entry(name: name, isDirectory: isDirectory, isSymlink: isSymlink))
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// `mkdir -p`.
    /// `mkdir -p`. Tries the folder itself first: a release makes thousands of folders whose
    /// parent exists, and a look before each would double the calls.
    public static func makeDirectories(_ path: String) throws {
        if path.isEmpty || mkdir(path, 0o755) == 0 { return }
        switch errno {
        case EEXIST:
            if isDirectory(path) { return }
        case ENOENT:
            let parent = parentPath(path)
            if parent != path && !parent.isEmpty { try makeDirectories(parent) }
            if mkdir(path, 0o755) == 0 || (errno == EEXIST && isDirectory(path)) { return }
        default:
            break
        }
        throw failure(path)
    }

    /// Writes `bytes` unless the file already holds exactly them, so unchanged output keeps
    /// its modification time. The new bytes go to a temporary file first and are renamed into
    /// place, so a reader never sees a half-written file. Returns whether it wrote.
    @discardableResult
    public static func writeIfChanged(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        // A new file (every file of a fresh release): no reader can have it open yet, so it is
        // written in place, which costs half the folder operations of a temporary file and a
        // rename. Creating it is also how the build learns it is new, without a `stat` first.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd >= 0 {
            try writeAll(fd, bytes, to: path, removing: path)
            return true
        }
        guard errno == EEXIST else { throw failure(path) }
        if size(path) == bytes.count, holds(path, bytes) { return false }
        try writeAtomically(path, bytes)
        return true
    }

    /// Whether the file holds exactly `bytes` (compared as memory: an index shard is megabytes).
    public static func holds(_ path: String, _ bytes: [UInt8]) -> Bool {
        guard let existing = try? readFile(path) else { return false }
        return existing[...].sameBytes(as: bytes[...])
    }

    /// Writes every byte and closes `fd`; on failure removes the file at `partial`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], to path: String, removing partial: String) throws {
        try writeAll(fd, to: path, removing: partial) { write in try bytes.withUnsafeBytes(write) }
    }

    /// Writes the pieces `produce` hands to `write`, in order, and closes `fd`; on failure
    /// removes the file at `partial`.
    private static func writeAll(_ fd: Int32, to path: String, removing partial: String,
                                 producing produce: (_ write: Sink) throws -> Void) throws {
        do { try produce { piece in try writeAll(fd, piece, to: path) } } catch {
            close(fd)
            unlink(partial)
            throw error
        }
        if close(fd) != 0 {
            let error = failure(path)
            unlink(partial)
            throw error
        }
    }

    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        try writeAtomically(path) { write in try bytes.withUnsafeBytes(write) }
    }

    /// Where a file made in pieces goes, a piece at a time: the bytes are written where they
    /// lie, so a piece need not be copied into an array of its own first (a column of forty
    /// thousand numbers, `ByteWriter.column(_:passingOnTo:)`).
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// Writes a file made in pieces, so it need not be in memory whole: `produce` hands each
    /// piece to `write` in order. The file appears complete or not at all.
    public static func writeAtomically(_ path: String, producing produce: (_ write: Sink) throws -> Void) throws {
        let temporary = parentPath(path) + "/.deskbook-tmp-\(getpid())-" + lastComponent(path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(temporary) }
        try writeAll(fd, to: path, removing: temporary, producing: produce)
        if rename(temporary, path) != 0 {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
    }

    /// Writes `bytes` into an existing file from byte `offset` on, and ends the file there:
    /// what a log held past `offset` (left by a build that did not finish) is replaced.
    public static func replaceTail(_ path: String, from offset: Int, with bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw failure(path) }
        defer { close(fd) }
        try writeAll(fd, bytes, at: offset, to: path)
        if ftruncate(fd, off_t(offset + bytes.count)) != 0 { throw failure(path) }
    }

    /// Writes all of `bytes` to `fd`, leaving it open: from byte `offset` on, or without one
    /// where the file stands.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int? = nil, to path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, at: offset, to: path) }
    }

    /// The same, from bytes where they lie.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil, to path: String) throws {
        var written = 0
        while written < bytes.count {
            let start = bytes.baseAddress! + written, rest = bytes.count - written
            let count = offset.map { pwrite(fd, start, rest, off_t($0 + written)) } ?? write(fd, start, rest)
            if count < 0 && errno == EINTR { continue }
            // A write of nothing would never end (a full disk may give one).
            if count <= 0 { throw failure(path) }
            written += count
        }
    }

    /// Adds `bytes` at the end of an existing file, in one write.
    public static func append(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd < 0 { throw failure(path) }
        defer { close(fd) }
        try writeAll(fd, bytes, to: path)
    }

    public static func copyIfChanged(from source: String, to destination: String) throws -> Bool {
        try writeIfChanged(destination, try readFile(source))
    }

    public static func removeFile(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw failure(path) }
    }

    /// Removes a folder if it is empty; quietly keeps it otherwise.
    public static func removeDirectoryIfEmpty(_ path: String) {
        _ = rmdir(path)
    }

    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for entry in (try? listDirectory(path)) ?? [] { removeTree(path + "/" + entry.name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Where a symbolic link points, as written in it; nil when `path` is not a link.
    public static func symlinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Makes `path` a hard link to `existing`: the same bytes and modification time, no copy.
    public static func hardLink(_ existing: String, _ path: String) -> Bool {
        link(existing, path) == 0
    }

    /// The canonical absolute path with every symlink resolved, or nil if it does not exist.
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        return normalize(joined)
    }

    /// Removes `.` and `..` segments and doubled slashes without touching the disk.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    // Both search the UTF-8 bytes for `/`: searching characters is far slower for Chinese paths.
    public static func parentPath(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func lastComponent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }
}
