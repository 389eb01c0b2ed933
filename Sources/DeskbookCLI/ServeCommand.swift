import Dispatch
import Serve

#if canImport(Glibc)
import Glibc
#endif

/// `deskbook serve`: a preview with live reload.
struct ServeCommand: Command {
    static let spec = CommandSpec(
        name: "serve",
        abstract: "Preview the site at http://127.0.0.1:PORT/, rebuilding and reloading on every change.",
        discussion: """
        Watches content/, data/, themes/, deskbook.yaml and synonyms.yaml. A build that fails keeps \
        the last good site served and shows its errors in the browser and here. The preview is \
        built into SITE/.deskbook-serve/, never into the published output.
        """,
        options: [
            CommandSpec.site,
            .value("port", default: "8080", help: "Port to listen on."),
            .value("host", default: "127.0.0.1", help: "Address to listen on; the default keeps the preview on this machine."),
        ]
    )

    let site: String
    let port: UInt16
    let host: String

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        (site, port, host) = (parsed.value("site")!, try parsed.number("port")!, parsed.value("host")!)
    }

    func run() throws {
        var options = PreviewServer.Options(siteDirectory: site)
        options.port = port
        options.host = host
        // Each line at once, also when the output goes to a file.
        let server = PreviewServer(options: options) { line in
            print(line)
            fflush(nil)
        }
        try server.start()
        print("serving http://\(host):\(server.port)/ — press Ctrl-C to stop")
        fflush(nil)
        dispatchMain()
    }
}
