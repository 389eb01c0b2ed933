import Build
import Dispatch
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// `deskbook serve`: builds the site into a preview folder, serves it on localhost, rebuilds when
/// content, data, configuration or theme change, and reloads open pages. A build that fails
/// keeps the last good site served and shows its errors in the browser and the terminal.
public final class PreviewServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var siteDirectory: String
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port: UInt16 = 8080
        public var outputDirectory: String

        public init(siteDirectory: String) {
            self.siteDirectory = FileSystem.absolute(siteDirectory)
            self.outputDirectory = self.siteDirectory + "/.deskbook-serve/public"
        }
    }

    let options: Options
    let log: @Sendable (String) -> Void
    private let state = Mutex()
    private var version = 0
    private var errors: [String] = []
    private var listener: Int32 = -1
    /// The port actually bound.
    public private(set) var port: UInt16 = 0

    public init(options: Options, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.log = log
    }

    /// Builds once, starts listening and watching; returns at once.
    public func start() throws {
        rebuild()
        try listen()
        startThread { self.acceptLoop() }
        startThread { self.watch() }
    }

    func rebuild() {
        var build = BuildOptions(siteDirectory: options.siteDirectory, outputDirectory: options.outputDirectory)
        build.waitForLock = true
        do {
            let report = try SiteBuilder.build(build)
            for warning in report.warnings { log(warning.description) }
            log("built \(report.pageCount) pages in \(String(Int(report.seconds * 1000))) ms")
            state.withLock {
                errors = report.warnings.map(\.description)
                version += 1
            }
        } catch {
            for diagnostic in error.diagnostics { log(diagnostic.description) }
            state.withLock {
                errors = error.diagnostics.map(\.description)
                version += 1
            }
        }
    }

    /// Polls the site's inputs twice a second; a change in any file's time or size rebuilds.
    func watch() {
        var last = fingerprint()
        while true {
            usleep(500_000)
            let now = fingerprint()
            if now != last {
                last = now
                rebuild()
            }
        }
    }

    func fingerprint() -> [String: String] {
        var seen: [String: String] = [:]
        func walk(_ path: String) {
            for entry in (try? FileSystem.listDirectory(path)) ?? [] where !entry.name.hasPrefix(".") {
                let full = path + "/" + entry.name
                if entry.isDirectory { walk(full) } else {
                    seen[full] = "\(FileSystem.modificationTime(full) ?? 0):\(FileSystem.size(full) ?? 0)"
                }
            }
        }
        for folder in ["content", "data", "themes"] { walk(options.siteDirectory + "/" + folder) }
        for file in ["deskbook.yaml", "synonyms.yaml"] {
            let full = options.siteDirectory + "/" + file
            if let time = FileSystem.modificationTime(full) { seen[full] = "\(time):\(FileSystem.size(full) ?? 0)" }
        }
        return seen
    }

    // MARK: HTTP

    func listen() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw FileSystem.Failure(path: options.host, reason: "cannot open a socket") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        guard inet_pton(AF_INET, options.host, &address.sin_addr) == 1 else {
            throw FileSystem.Failure(path: options.host, reason: "not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(listener, 64) == 0 else {
            throw FileSystem.Failure(path: "\(options.host):\(options.port)", reason: String(cString: strerror(errno)))
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: actual.sin_port)
    }

    func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            startThread { self.handle(client) }
        }
    }

    func handle(_ client: Int32) {
        defer { close(client) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = read(client, &buffer, buffer.count)
        guard count > 0 else { return }
        let request = String(decoding: buffer[0..<count], as: UTF8.self)
        let parts = request.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" else {
            respond(client, status: "405 Method Not Allowed", type: "text/plain", body: Array("GET only\n".utf8))
            return
        }
        let target = String(parts[1].split(separator: "?", maxSplits: 1).first ?? "/")
        let (status, type, body) = response(for: target)
        respond(client, status: status, type: type, body: parts[0] == "HEAD" ? [] : body)
    }

    /// The response to a path: the live-reload endpoints, or a file of the preview site.
    func response(for target: String) -> (String, String, [UInt8]) {
        switch target {
        case "/__deskbook/version":
            return ("200 OK", "text/plain", Array(String(state.withLock { version }).utf8))
        case "/__deskbook/errors":
            return ("200 OK", "text/plain; charset=utf-8", Array(state.withLock { errors }.joined(separator: "\n").utf8))
        case "/__deskbook/reload.js":
            return ("200 OK", "text/javascript", Array(Self.reloadScript.utf8))
        default:
            break
        }
        let path = Escape.percentDecoded(target)
        guard !path.split(separator: "/").contains("..") else { return ("403 Forbidden", "text/plain", Array("forbidden\n".utf8)) }
        var file = options.outputDirectory + path
        if FileSystem.isDirectory(file) { file += (file.hasSuffix("/") ? "" : "/") + "index.html" }
        // A site with audiences has one site per folder and nothing at the top: list them.
        if path == "/" && !FileSystem.exists(file) {
            let links = audienceSites().map { "<li><a href=\"/\(Escape.html($0))/\">\(Escape.html($0))</a></li>" }.joined()
            return ("200 OK", "text/html; charset=utf-8",
                    Self.withReload(Array("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Deskbook</title></head><body><ul>\(links)</ul></body></html>".utf8)))
        }
        guard let bytes = try? FileSystem.readFile(file) else {
            // The 404 page of the audience's site the path is in, else the site's own.
            let audience = path.split(separator: "/").first.map(String.init).flatMap { audienceSites().contains($0) ? $0 + "/" : nil } ?? ""
            let notFound = (try? FileSystem.readFile(options.outputDirectory + "/" + audience + "404.html")) ?? Array("not found\n".utf8)
            return ("404 Not Found", "text/html; charset=utf-8", Self.withReload(notFound))
        }
        let type = Self.contentType(file)
        return ("200 OK", type, type.hasPrefix("text/html") ? Self.withReload(bytes) : bytes)
    }

    /// The folders of the preview that are sites of their own (one per audience).
    func audienceSites() -> [String] {
        ((try? FileSystem.listDirectory(options.outputDirectory)) ?? [])
            .filter { $0.isDirectory && FileSystem.exists(options.outputDirectory + "/" + $0.name + "/index.html") }.map(\.name)
    }

    func respond(_ client: Int32, status: String, type: String, body: [UInt8]) {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes += body
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            sent += count
        }
    }

    static func withReload(_ html: [UInt8]) -> [UInt8] {
        let tag = Array("<script src=\"/__deskbook/reload.js\"></script>\n</body>".utf8)
        let closing = Array("</body>".utf8)
        guard let index = html.lastIndex(of: closing.first!).flatMap({ start -> Int? in
            Array(html[start...].prefix(closing.count)) == closing ? start : nil
        }) else { return html + tag }
        return Array(html[..<index]) + tag + Array(html[(index + closing.count)...])
    }

    static func contentType(_ path: String) -> String {
        let types = ["html": "text/html; charset=utf-8", "css": "text/css", "js": "text/javascript", "json": "application/json",
                     "svg": "image/svg+xml", "xml": "application/xml", "csv": "text/csv; charset=utf-8", "txt": "text/plain; charset=utf-8",
                     "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "pdf": "application/pdf"]
        let ext = String(path.split(separator: ".").last ?? "").lowercased()
        return types[ext] ?? "application/octet-stream"
    }


    /// Polls the version each second; reloads when a build finished, and shows build errors.
    static let reloadScript = """
    (function () {
      var known = null, panel = null;
      function show(text) {
        if (!text) { if (panel) { panel.remove(); panel = null; } return; }
        if (!panel) {
          panel = document.createElement("pre");
          panel.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:40vh;overflow:auto;margin:0;padding:1em;" +
            "background:#300;color:#fdd;font:13px/1.4 monospace;z-index:99999;white-space:pre-wrap";
          document.body.appendChild(panel);
        }
        panel.textContent = text;
      }
      function poll() {
        fetch("/__deskbook/version", { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (v) {
          if (known !== null && v !== known) { location.reload(); return; }
          known = v;
          return fetch("/__deskbook/errors", { cache: "no-store" }).then(function (r) { return r.text(); }).then(show);
        }).catch(function () {}).then(function () { setTimeout(poll, 1000); });
      }
      poll();
    })();
    """
}
