import DeskbookSupport
import DeskbookTestSupport
import Foundation
import Testing
@testable import Serve

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite struct PreviewServerTests {
    /// A GET against the preview server, over a real socket.
    func get(_ port: UInt16, _ path: String) throws -> (status: Int, body: String) {
        let response = HTTPClient.get(port: port, path)
        #expect(response.status != 0, "could not connect")
        return (response.status, response.body)
    }

    /// A preview server of the site on a free port, started.
    func startServer(_ site: TestSite) throws -> PreviewServer {
        var options = PreviewServer.Options(siteDirectory: site.root)
        options.port = 0
        let server = PreviewServer(options: options) { _ in }
        try server.start()
        return server
    }

    /// Waits up to `seconds` for `condition`.
    func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    @Test func servesRebuildsOnChangesAndShowsErrors() throws {
        let site = try TestSite(["content/_index.md": TestSite.page("首頁", "第一版")])
        defer { site.remove() }
        let server = try startServer(site)

        let home = try get(server.port, "/")
        #expect(home.status == 200)
        #expect(home.body.contains("第一版"))
        #expect(home.body.contains("<script src=\"/__deskbook/reload.js\"></script>"))
        #expect(try get(server.port, "/nowhere/").status == 404)
        #expect(try get(server.port, "/../etc/passwd").status != 200)
        let version = try get(server.port, "/__deskbook/version").body

        // An edit is rebuilt and served; the version tells open pages to reload.
        usleep(1_100_000)
        try site.write("content/_index.md", TestSite.page("首頁", "第二版"))
        #expect(try eventually(10) { try get(server.port, "/").body.contains("第二版") })
        // The version moves when the build has finished, its cache saved: a moment after the
        // new site went live.
        #expect(try eventually(10) { try get(server.port, "/__deskbook/version").body != version })

        // A broken page keeps the last good site and shows the error.
        try site.write("content/bad.md", "---\ndate: next tuesday\n---\n")
        #expect(try eventually(10) { try get(server.port, "/__deskbook/errors").body.contains("content/bad.md:2:7: error") })
        #expect(try get(server.port, "/").body.contains("第二版"))
    }

    @Test func aSiteWithAudiencesListsTheirSitesAtTheTop() throws {
        let site = try TestSite([
            "deskbook.yaml": "title: 內網\naudiences: [staff, managers]\n",
            "content/_index.md": TestSite.page("首頁"),
            "content/budget.md": TestSite.page("預算", "只給主管", extra: "audience: managers"),
        ])
        defer { site.remove() }
        let server = try startServer(site)

        let top = try get(server.port, "/")
        #expect(top.status == 200)
        #expect(top.body.contains("<a href=\"/managers/\">managers</a>") && top.body.contains("<a href=\"/staff/\">staff</a>"))
        #expect(try get(server.port, "/managers/budget/").body.contains("只給主管"))
        let missing = try get(server.port, "/staff/budget/")
        #expect(missing.status == 404)
        #expect(missing.body.contains("href=\"/staff/\""), "the staff site's own 404 page")
    }
}
