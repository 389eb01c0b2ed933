import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// Where builds are published. The output folder (`public`) is a symbolic link to one complete
/// release in `public.releases/`; a build assembles its release beside the live one and then
/// switches the link in one atomic rename, so readers and web servers see the old complete site
/// or the new complete site, never a mix. A failed or killed build leaves an `.incomplete`
/// folder that the next build removes; the live link is never touched. The last few releases
/// are kept for `deskbook rollback`.
struct Releases: Sendable {
    /// The output folder as the user names it: the link that web servers serve.
    let live: String
    /// `public.releases`, beside it.
    let folder: String
    static let keep = 3
    static let incompleteSuffix = ".incomplete"

    init(output: String) {
        live = output.hasSuffix("/") ? String(output.dropLast()) : output
        folder = live + ".releases"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The release the output link points at now, or the output folder itself when an older
    /// Deskbook wrote it as a plain folder; nil when there is none.
    var current: String? {
        if let target = FileSystem.symlinkTarget(live) {
            return target.hasPrefix("/") ? target : FileSystem.parentPath(live) + "/" + target
        }
        return FileSystem.isDirectory(live) ? live : nil
    }

    /// Complete releases, oldest first.
    var all: [String] {
        ((try? FileSystem.listDirectory(folder)) ?? [])
            .filter { $0.isDirectory && !$0.name.hasSuffix(Self.incompleteSuffix) && !$0.name.hasPrefix(".") }
            .map(\.name).sorted()
    }

    /// Releases a build began and did not finish (it failed or was killed).
    var incomplete: [String] {
        ((try? FileSystem.listDirectory(folder)) ?? []).map(\.name).filter { $0.hasSuffix(Self.incompleteSuffix) }
    }

    /// Checks that the output path is one Deskbook may replace.
    func checkOutputIsOurs() throws {
        guard FileSystem.symlinkTarget(live) == nil, FileSystem.isDirectory(live) else { return }
        let entries = (try? FileSystem.listDirectory(live)) ?? []
        if entries.isEmpty || FileSystem.exists(live + "/" + OutputWriter.manifestName) { return }
        throw Failure(description: "\(live) is a folder Deskbook did not make; empty it or choose another output folder with -o")
    }

    /// The folder to build a new release in; earlier incomplete ones are removed. It is the
    /// release the prune after this build would delete, when there is one, renamed (`recycled`):
    /// making over an old release costs the files changed since it, where filling an empty
    /// folder costs a hard link for every file of the site. Else a new, empty folder.
    func begin() throws -> (path: String, recycled: String?) {
        try checkOutputIsOurs()
        try FileSystem.makeDirectories(folder)
        for name in incomplete { FileSystem.removeTree(folder + "/" + name) }
        // A build killed while switching may have left its new link beside the live one.
        let parent = FileSystem.parentPath(live), liveName = FileSystem.lastComponent(live)
        for entry in (try? FileSystem.listDirectory(parent)) ?? [] where entry.name.hasPrefix(liveName + ".link-") {
            unlink(parent + "/" + entry.name)
        }
        // Names sort in build order: UTC time to the nanosecond, then the process.
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        let stamp = CalendarDate(secondsSinceEpoch: Int(clock.tv_sec))
        let nanoseconds = String(clock.tv_nsec)
        let name = stamp.isoDay.replacing("-", with: "") + "-" + zeroPadded(stamp.hour) + zeroPadded(stamp.minute)
            + zeroPadded(stamp.second) + "." + String(repeating: "0", count: 9 - nanoseconds.count) + nanoseconds
            + "-" + String(getpid())
        let path = folder + "/" + name + Self.incompleteSuffix
        let live = current.map(FileSystem.lastComponent)
        if let oldest = all.dropLast(Self.keep - 1).last(where: { $0 != live }),
           Glibc.rename(folder + "/" + oldest, path) == 0 {
            return (path, oldest)
        }
        try FileSystem.makeDirectories(path)
        return (path, nil)
    }

    /// Marks the release complete and makes it the live site in one rename. Old releases are
    /// left for `prune()`, which the caller runs beside its last work (deleting a release of
    /// 11,000 files takes as long as the rest of a one-page rebuild's publishing).
    func publish(_ staging: String) throws {
        let complete = String(staging.dropLast(Self.incompleteSuffix.count))
        try rename(staging, complete)
        let name = FileSystem.lastComponent(complete)
        let link = live + ".link-" + String(getpid())
        unlink(link)
        let relative = FileSystem.lastComponent(folder) + "/" + name
        guard symlink(relative, link) == 0 else { throw Failure(description: "cannot make the link \(link): \(String(cString: strerror(errno)))") }
        if FileSystem.symlinkTarget(live) == nil && FileSystem.isDirectory(live) {
            // A plain output folder from before releases: set it aside, switch, remove it.
            let aside = live + ".old-" + String(getpid())
            try rename(live, aside)
            try rename(link, live)
            FileSystem.removeTree(aside)
        } else {
            try rename(link, live)
        }
    }

    /// Points the output link at another complete release.
    func switchTo(_ name: String) throws {
        let link = live + ".link-" + String(getpid())
        unlink(link)
        guard symlink(FileSystem.lastComponent(folder) + "/" + name, link) == 0 else {
            throw Failure(description: "cannot make the link \(link): \(String(cString: strerror(errno)))")
        }
        try rename(link, live)
    }

    /// Keeps the newest releases and the live one.
    func prune() {
        let live = current.map(FileSystem.lastComponent)
        let releases = all
        for name in releases.dropLast(Self.keep) where name != live {
            FileSystem.removeTree(folder + "/" + name)
        }
    }

    private func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw Failure(description: "cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    private func zeroPadded(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }
}

/// One build at a time per output folder: an exclusive lock on `public.releases/.lock`.
final class BuildLock: @unchecked Sendable {
    private let descriptor: Int32

    struct Busy: Error, CustomStringConvertible {
        let description: String
    }

    /// Takes the lock, waiting for a running build when `wait` is true, else failing at once.
    init(releases: Releases, wait: Bool) throws {
        try FileSystem.makeDirectories(releases.folder)
        let path = releases.folder + "/.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Busy(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let holder = (try? FileSystem.readText(path))?.trimmingWhitespace ?? ""
            close(descriptor)
            throw Busy(description: "another build of \(releases.live) is running" + (holder.isEmpty ? "" : " (process \(holder))")
                       + "; it is left to finish — run again later, or pass --wait to wait for it")
        }
        ftruncate(descriptor, 0)
        let pid = Array(String(getpid()).utf8)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// The lock when no other build holds it now, else nil; nil too before the first build, as
    /// only a build that goes on to write makes the releases' folder.
    static func ifFree(releases: Releases) -> BuildLock? {
        guard FileSystem.isDirectory(releases.folder) else { return nil }
        return try? BuildLock(releases: releases, wait: false)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// The releases of an output folder, for `deskbook rollback`.
public struct ReleaseHistory {
    let releases: Releases

    public init(output: String) { releases = Releases(output: output) }

    /// Complete releases, oldest first.
    public var names: [String] { releases.all }

    /// The release served now.
    public var live: String? { releases.current.map(FileSystem.lastComponent) }

    /// Serves the release before the live one; returns its name.
    public func rollBack() throws -> String {
        let lock = try BuildLock(releases: releases, wait: false)
        defer { withExtendedLifetime(lock) {} }
        guard let live, let position = names.firstIndex(of: live) else {
            throw Releases.Failure(description: "no release is live; build the site first")
        }
        guard position > 0 else { throw Releases.Failure(description: "\(live) is the oldest release kept; there is none before it") }
        let previous = names[position - 1]
        try releases.switchTo(previous)
        return previous
    }
}
