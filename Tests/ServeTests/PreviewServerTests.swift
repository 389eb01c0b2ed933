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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "0") ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
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
        var options = PreviewServer.Options(siteDirectory: site.root)
        options.port = 0
        let server = PreviewServer(options: options) { _ in }
        try server.start()

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
        #expect(try get(server.port, "/__deskbook/version").body != version)

        // A broken page keeps the last good site and shows the error.
        try site.write("content/bad.md", "---\ndate: next tuesday\n---\n")
        #expect(try eventually(10) { try get(server.port, "/__deskbook/errors").body.contains("content/bad.md:2:7: error") })
        #expect(try get(server.port, "/").body.contains("第二版"))
    }
}
