import DeskbookSupport
import DeskbookTestSupport
import Foundation
import Testing
@testable import Build

/// deploy/nginx.conf, as shipped, in front of a built site with two audiences: each site
/// answers only to its own people.
@Suite struct NginxTests {
    static let nginx = "/usr/sbin/nginx"

    /// A TCP port nothing listens on now.
    func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Starts nginx with the repository's server block, pointed at `output`, on `port`.
    func startNginx(serving output: String, port: UInt16, in folder: String) throws -> Process {
        var server = try FileSystem.readText(TestSite.repositoryRoot + "/deploy/nginx.conf")
        server = server.replacing("listen 80;", with: "listen 127.0.0.1:\(port);")
            .replacing("/srv/deskbook/public", with: output)
            .replacing("/etc/nginx/deskbook-", with: folder + "/deskbook-")
        // One process that stays as it started (no workers switching users), logs in the folder.
        let main = """
        daemon off;
        master_process off;
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log;
        events { worker_connections 64; }
        http {
            include /etc/nginx/mime.types;
            default_type application/octet-stream;
            access_log off;
            client_body_temp_path \(folder)/body;
            proxy_temp_path \(folder)/proxy;
            fastcgi_temp_path \(folder)/fastcgi;
            uwsgi_temp_path \(folder)/uwsgi;
            scgi_temp_path \(folder)/scgi;
        \(server)
        }
        """
        try FileSystem.writeAtomically(folder + "/nginx.conf", Array(main.utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.nginx)
        process.arguments = ["-p", folder, "-c", folder + "/nginx.conf", "-e", folder + "/error.log"]
        try process.run()
        for _ in 0..<100 where HTTPClient.get(port: port, "/").status == 0 { usleep(50_000) }
        return process
    }

    @Test func eachAudienceSiteAnswersOnlyToItsOwnPeople() throws {
        guard FileSystem.exists(Self.nginx) else {
            Issue.record("nginx is not installed; scripts/setup --deps-only installs it")
            return
        }
        let site = try audienceSite()
        defer { site.remove() }
        _ = try buildData(site)
        let folder = site.root + "/nginx"
        try FileSystem.makeDirectories(folder)
        // nginx reads {PLAIN} passwords too; a real server keeps hashes (see deploy/nginx.conf).
        try FileSystem.writeAtomically(folder + "/deskbook-staff.htpasswd", Array("anna:{PLAIN}staff-pass\nmark:{PLAIN}manager-pass\n".utf8))
        try FileSystem.writeAtomically(folder + "/deskbook-managers.htpasswd", Array("mark:{PLAIN}manager-pass\n".utf8))
        try FileSystem.writeAtomically(folder + "/deskbook-admins.htpasswd", Array("root:{PLAIN}admin-pass\n".utf8))
        let port = freePort()
        let nginx = try startNginx(serving: site.output, port: port, in: folder)
        defer {
            // The test runner's threads block SIGTERM, and a child started from one inherits
            // that; SIGKILL cannot be blocked.
            kill(nginx.processIdentifier, SIGKILL)
            nginx.waitUntilExit()
        }
        let staff = HTTPClient.basicAuthorization("anna", "staff-pass")
        let manager = HTTPClient.basicAuthorization("mark", "manager-pass")
        let plan = "/managers/budget/plan/"

        #expect(HTTPClient.get(port: port, plan).status == 401, "a managers page without credentials")
        #expect(HTTPClient.get(port: port, plan, headers: [staff]).status == 401, "a managers page with staff credentials")
        let granted = HTTPClient.get(port: port, plan, headers: [manager])
        #expect(granted.status == 200 && granted.body.contains("年度\(managersMarker)"), "a managers page with managers credentials")

        #expect(HTTPClient.get(port: port, "/staff/").status == 401)
        let home = HTTPClient.get(port: port, "/staff/faq/deposit/", headers: [staff, "Accept-Encoding: gzip"])
        #expect(home.status == 200)
        #expect(home.headers.contains("Content-Security-Policy: default-src 'self'"))
        #expect(home.headers.contains("Content-Encoding: gzip"))
        #expect(HTTPClient.get(port: port, "/staff/nowhere/", headers: [staff]).status == 404)
        #expect(HTTPClient.get(port: port, "/").headers.contains("Location: http://localhost:\(port)/staff/")
                || HTTPClient.get(port: port, "/").headers.contains("Location: /staff/"))
        #expect(HTTPClient.get(port: port, "/_build.json", headers: [manager]).status == 403)
        #expect(HTTPClient.get(port: port, "/admin/status/", headers: [manager]).status == 401)
        #expect(HTTPClient.get(port: port, "/admin/status/", headers: [HTTPClient.basicAuthorization("root", "admin-pass")]).status == 200)
    }
}
