import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Build

#if canImport(Glibc)
import Glibc
#endif

/// Nothing is read from outside the site folder, and nothing written outside the output folder.
@Suite struct SiteBoundaryTests {
    /// A file outside the site, for a link to point at.
    func outsideFile(_ text: String) throws -> (TestSite, String) {
        let elsewhere = try TestSite(["secret.txt": text])
        return (elsewhere, elsewhere.root + "/secret.txt")
    }

    @Test func aSnapshotOutsideTheSiteIsRefused() throws {
        let (elsewhere, secret) = try outsideFile("not a database")
        defer { elsewhere.remove() }
        let site = try dataSite([:], config: "")
        defer { site.remove() }
        try site.write("deskbook.yaml", "title: 測試\ndata:\n  office: \(secret)\n")
        expectBuildError(site, "snapshot 'office': \(secret) is outside the site folder")
        // Nor through a link that looks like it is inside.
        try site.write("deskbook.yaml", "title: 測試\ndata:\n  office: data/linked.sqlite\n")
        #expect(symlink(secret, site.root + "/data/linked.sqlite") == 0)
        expectBuildError(site, "snapshot 'office': data/linked.sqlite is outside the site folder (\(FileSystem.resolvedPath(secret)!))")
    }

    @Test func themeAndConfigLinksLeadingOutsideAreRefused() throws {
        let (elsewhere, secret) = try outsideFile("<p>{{site.title}}</p>")
        defer { elsewhere.remove() }
        let site = try dataSite([:])
        defer { site.remove() }
        try FileSystem.makeDirectories(site.root + "/themes/default/templates")
        #expect(symlink(secret, site.root + "/themes/default/templates/footer.mustache") == 0)
        expectBuildError(site, "themes/default/templates/footer.mustache:1:1: error: symlink leads outside the site folder")
        unlink(site.root + "/themes/default/templates/footer.mustache")
        try FileSystem.writeAtomically(elsewhere.root + "/deskbook.yaml", Array("title: 外面\n".utf8))
        unlink(site.root + "/deskbook.yaml")
        #expect(symlink(elsewhere.root + "/deskbook.yaml", site.root + "/deskbook.yaml") == 0)
        expectBuildError(site, "deskbook.yaml:1:1: error: leads outside the site folder")
    }

    @Test(arguments: ["../x.html", "/etc/passwd", "a/../../b", "a//b", "./a", "a/.", "a/..", "..", "a/b/", "a\u{0}b", ""])
    func outputPathsThatWouldLeaveTheFolderAreRefused(path: String) {
        #expect(!SiteBoundary.staysInside(path))
        let folder = "/tmp/deskbook-never-made"
        guard case .failure(let failure) = OutputWriter.write(path, [1], to: Destination(directory: folder, previous: nil, recycled: false)) else {
            Issue.record("\(path) was written")
            return
        }
        #expect(failure.reason == "refusing to write outside the output folder")
        #expect(!FileSystem.exists(folder))
    }

    @Test func ordinaryOutputPathsStayInside() {
        #expect(SiteBoundary.staysInside("faq/loans/rate/index.html"))
        #expect(SiteBoundary.staysInside("managers/budget/plan.csv"))
        #expect(SiteBoundary.staysInside("a..b/c"))
        #expect(SiteBoundary.staysInside(".well-known/security.txt"))
        #expect(SiteBoundary.staysInside("notes/.../x"))
    }
}
