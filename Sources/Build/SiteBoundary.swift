import Content
import DeskbookSupport

/// A build reads only inside the site folder and writes only inside the output folder.
/// Content symlinks are checked as `content/` is walked; this checks the other files a build
/// reads (config, synonyms, themes, snapshots) with symlinks resolved, and every output path.
enum SiteBoundary {
    /// Where a path really leads, when that is outside the site folder.
    static func outside(_ path: String, siteDirectory: String) -> String? {
        let root = FileSystem.resolvedPath(siteDirectory) ?? siteDirectory
        guard let target = FileSystem.resolvedPath(path) else { return nil }
        return target == root || target.hasPrefix(root + "/") ? nil : target
    }

    /// The config, synonyms and theme files that lead outside the site folder, as errors.
    static func siteFileProblems(siteDirectory: String) -> [Diagnostic] {
        func outside(_ path: String) -> String? { Self.outside(path, siteDirectory: siteDirectory) }
        var problems: [Diagnostic] = []
        for name in [SiteConfig.fileName, SiteSynonyms.fileName] {
            if let target = outside(siteDirectory + "/" + name) {
                problems.append(.error(name, "leads outside the site folder to \(target); keep it inside the site"))
            }
        }
        func walk(_ relative: String) {
            for entry in (try? FileSystem.listDirectory(siteDirectory + "/" + relative)) ?? [] {
                let path = relative + "/" + entry.name
                if entry.isSymlink, let target = outside(siteDirectory + "/" + path) {
                    problems.append(.error(path, "symlink leads outside the site folder to \(target)"))
                } else if entry.isDirectory && !entry.isSymlink {
                    walk(path)
                }
            }
        }
        walk("themes")
        return problems
    }

    /// Snapshots configured outside the site folder (or linked there), as errors.
    static func dataProblems(siteDirectory: String, dataFiles: [String: String]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for (name, file) in dataFiles.sorted(by: { $0.key < $1.key }) {
            let path = file.hasPrefix("/") ? file : siteDirectory + "/" + file
            if let target = outside(path, siteDirectory: siteDirectory) {
                problems.append(.error(SiteConfig.fileName, "snapshot '\(name)': \(file) is outside the site folder (\(target)); "
                                       + "have the export write into the site, e.g. data/\(FileSystem.lastComponent(file))"))
            }
        }
        return problems
    }

    /// A relative path with no `..`, empty or `.` part: one that stays inside the folder it is
    /// joined to.
    /// On bytes, read in place: every output path of every build passes here.
    static func staysInside(_ outputPath: String) -> Bool {
        var path = outputPath
        return path.withUTF8(staysInside)
    }

    private static func staysInside(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var partLength = 0, dots = 0
        for byte in bytes {
            if byte == 0 { return false }
            if byte == slash {
                // An empty part (also a leading slash), `.` or `..`.
                if partLength == 0 || partLength == dots && dots <= 2 { return false }
                partLength = 0
                dots = 0
            } else {
                partLength += 1
                if byte == dot { dots += 1 }
            }
        }
        return partLength > 0 && !(partLength == dots && dots <= 2)
    }
}
