import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// A site written into a fresh temporary folder, for tests: a few files given inline as text.
public struct TestSite {
    public let root: String

    public init(_ files: [String: String]) throws {
        var template = Array("/tmp/deskbook-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw FileSystem.Failure(path: "/tmp", reason: "mkdtemp failed") }
        root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = made
        for (path, text) in files { try write(path, text) }
    }

    public func write(_ path: String, _ text: String) throws {
        try write(path, bytes: Array(text.utf8))
    }

    public func write(_ path: String, bytes: [UInt8]) throws {
        let full = root + "/" + path
        try FileSystem.makeDirectories(FileSystem.parentPath(full))
        try FileSystem.writeAtomically(full, bytes)
    }

    public var output: String { root + "/public" }

    /// Text of a file under the output folder, or nil if it was not written.
    public func read(_ outputPath: String) -> String? {
        try? FileSystem.readText(output + "/" + outputPath)
    }

    public func exists(_ outputPath: String) -> Bool { FileSystem.exists(output + "/" + outputPath) }

    /// Every file under the output folder, as paths relative to it.
    public func outputFiles() -> [String] {
        var found: [String] = []
        func walk(_ relative: String) {
            let base = relative.isEmpty ? output : output + "/" + relative
            for entry in (try? FileSystem.listDirectory(base)) ?? [] {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                if entry.isDirectory { walk(path) } else { found.append(path) }
            }
        }
        walk("")
        return found.sorted()
    }

    public func remove() { FileSystem.removeTree(root) }

    /// Every file below a folder with its bytes, by path relative to the folder.
    public static func contents(under folder: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        func walk(_ relative: String) {
            let base = relative.isEmpty ? folder : folder + "/" + relative
            for entry in (try? FileSystem.listDirectory(base)) ?? [] {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                if entry.isDirectory { walk(path) } else { files[path] = try? FileSystem.readFile(base + "/" + entry.name) }
            }
        }
        walk("")
        return files
    }

    /// A minimal front matter page.
    public static func page(_ title: String, _ body: String = "", extra: String = "") -> String {
        "---\ntitle: \"\(title)\"\n\(extra.isEmpty ? "" : extra + "\n")---\n\n\(body)\n"
    }

    /// The repository's top folder, found from this file's path.
    public static var repositoryRoot: String {
        var path = #filePath
        for _ in 0..<3 { path = FileSystem.parentPath(path) }
        return path
    }
}

/// The diagnostics a step failed with, or nil when it did not fail, so a test can say
/// `let problems = try #require(diagnostics { … })`.
public func diagnostics(_ body: () throws(DiagnosticsError) -> Void) -> [Diagnostic]? {
    do {
        try body()
        return nil
    } catch {
        return error.diagnostics
    }
}
