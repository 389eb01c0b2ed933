import DeskbookSupport
import DeskbookTestSupport
import Foundation
import Testing
@testable import Build

/// A build killed at any moment, or started beside another, leaves a complete site live.
@Suite struct FaultTests {
    static let binary = TestSite.repositoryRoot + "/.build/debug/deskbook"

    /// A site large enough that a build is mid-write for a good part of its run.
    func largeSite() throws -> TestSite {
        var files = ["content/_index.md": TestSite.page("首頁"), "content/faq/_index.md": TestSite.page("常見問題")]
        for index in 0..<1200 {
            files["content/faq/q\(index).md"] = TestSite.page("問題 \(index)", String(repeating: "貸款與交屋的說明。", count: 40) + "\n\n## 細節\n\n內容",
                                                            extra: "date: 2026-03-14\ntags: [貸款]")
        }
        return try TestSite(files)
    }

    /// The live link points at a complete release whose every listed file exists.
    func expectCompleteLiveSite(_ output: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let target = try #require(FileSystem.symlinkTarget(output), "no live link", sourceLocation: sourceLocation)
        #expect(!target.hasSuffix(".incomplete"), sourceLocation: sourceLocation)
        let release = FileSystem.parentPath(output) + "/" + target
        let manifest = try FileSystem.readText(release + "/" + OutputWriter.manifestName)
        let files = manifest.split(separator: "\n")
        #expect(files.count > 1200, sourceLocation: sourceLocation)
        let missing = files.filter { !FileSystem.exists(release + "/" + $0) }
        #expect(missing.isEmpty, "\(missing.count) files of the manifest are missing", sourceLocation: sourceLocation)
        #expect(FileSystem.exists(release + "/" + BuildReport.fileName), sourceLocation: sourceLocation)
    }

    /// `deskbook build --wait` of a site, as a separate process; nil (and a recorded issue)
    /// when the binary is missing.
    func buildProcess(_ site: TestSite, quiet: Bool) -> Process? {
        guard FileSystem.exists(Self.binary) else {
            Issue.record("\(Self.binary) is built with the tests (swift test); build it first")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["build", "-q", "--wait", "-s", site.root]
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        return process
    }

    @Test func killingABuildAtAnyMomentLeavesTheLastCompleteSiteLive() throws {
        let site = try largeSite()
        defer { site.remove() }
        _ = try SiteBuilder.build(BuildOptions(siteDirectory: site.root))
        var generator = SystemRandomNumberGenerator()
        for round in 0..<50 {
            // Each round changes a page, so every build has something new to publish.
            try site.write("content/faq/q0.md", TestSite.page("問題 \(round)", "第 \(round) 版"))
            guard let process = buildProcess(site, quiet: true) else { return }
            try process.run()
            usleep(UInt32.random(in: 0..<900_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try expectCompleteLiveSite(site.output)
        }
        // The next build needs no clean-up, and leaves no half-built release behind.
        _ = try SiteBuilder.build(BuildOptions(siteDirectory: site.root))
        try expectCompleteLiveSite(site.output)
        #expect(Releases(output: site.output).incomplete.isEmpty)
        #expect(ReleaseHistory(output: site.output).names.count <= 4)
    }

    @Test func twoBuildsStartedTogetherBothEndWithACompleteSite() throws {
        let site = try largeSite()
        defer { site.remove() }
        let processes = (0..<2).compactMap { _ in buildProcess(site, quiet: false) }
        guard processes.count == 2 else { return }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        try expectCompleteLiveSite(site.output)
        #expect(ReleaseHistory(output: site.output).names.count == 2)
    }

    @Test func aFullDiskFailsTheBuildAndKeepsTheOldSite() throws {
        guard getuid() == 0 else {
            print("skipped: mounting a small file system for this test needs root (CI runs as root)")
            return
        }
        let site = try TestSite(["content/_index.md": TestSite.page("首頁"), "content/a.md": TestSite.page("A", "第一版")])
        defer { site.remove() }
        let disk = site.root + "/disk"
        try withTmpfs(at: disk, size: "3m") {
            var options = BuildOptions(siteDirectory: site.root, outputDirectory: disk + "/public")
            _ = try SiteBuilder.build(options)
            let live = try #require(FileSystem.symlinkTarget(disk + "/public"))
            // Enough new pages that the next release cannot fit.
            let filler = String(repeating: "客戶詢問貸款成數與寬限期。", count: 400)
            for index in 0..<400 { try site.write("content/p\(index).md", TestSite.page("頁 \(index)", filler)) }
            options = BuildOptions(siteDirectory: site.root, outputDirectory: disk + "/public")
            let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try SiteBuilder.build(options) },
                                        "expected the build to fail on a full disk")
            #expect(problems.contains { $0.message.contains("No space left on device") }, "got \(problems)")
            #expect(FileSystem.symlinkTarget(disk + "/public") == live)
            #expect(try FileSystem.readText(disk + "/public/a/index.html").contains("第一版"))
            #expect(Releases(output: disk + "/public").incomplete.isEmpty)
        }
    }

    /// The program ends as soon as the site is published and its report shown, without freeing
    /// what the build held: the build cache must be saved whole by then, and nothing left half-written.
    @Test func theProgramEndsWithItsReportAndItsCacheSavedWhole() throws {
        let site = try largeSite()
        defer { site.remove() }
        func run() throws -> (status: Int32, output: String) {
            guard let process = buildProcess(site, quiet: false) else { return (-1, "") }
            process.arguments = ["build", "-s", site.root]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        let first = try run()
        #expect(first.status == 0)
        #expect(first.output.contains("built 1202 pages"), "\(first.output)")
        try site.write("content/faq/q7.md", TestSite.page("問題 7", "改過的內容"))
        let second = try run()
        #expect(second.status == 0)
        #expect(second.output.contains("1 pages rendered"), "the cache was not saved whole: \(second.output)")
        let third = try run()
        #expect(third.output.contains("nothing changed"), "\(third.output)")
        let cache = try FileSystem.listDirectory(site.root + "/.deskbook-cache/builds").map(\.name)
        #expect(!cache.contains { $0.hasPrefix(".deskbook-tmp") }, "\(cache)")
    }
}
