import DeskbookSupport

/// Finds a theme's files across its layers and compiles them into a `Theme`.
public enum ThemeLoader {
    /// One place theme files come from.
    enum Layer {
        case folder(path: String, display: String)
        case builtIn

        func list(_ subfolder: String) -> [String] {
            switch self {
            case .folder(let path, _):
                let directory = path + "/" + subfolder
                return ((try? FileSystem.listDirectory(directory)) ?? []).filter { !$0.isDirectory && !$0.name.hasPrefix(".") }.map(\.name)
            case .builtIn:
                let prefix = subfolder + "/"
                return DefaultThemeFiles.files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                    .map { String($0.dropFirst(prefix.count)) }
            }
        }

        func read(_ relative: String) throws -> [UInt8] {
            switch self {
            case .folder(let path, _): return try FileSystem.readFile(path + "/" + relative)
            case .builtIn: return Array((DefaultThemeFiles.files[relative] ?? "").utf8)
            }
        }

        func displayPath(_ relative: String) -> String {
            switch self {
            case .folder(_, let display): return display + "/" + relative
            case .builtIn: return "themes/default/" + relative + " (built in)"
            }
        }
    }

    public static func load(siteDirectory: String, themeName: String, language: String) throws(DiagnosticsError) -> Theme {
        var layers: [Layer] = []
        let named = siteDirectory + "/themes/" + themeName
        if FileSystem.isDirectory(named) { layers.append(.folder(path: named, display: "themes/" + themeName)) }
        if themeName != "default" {
            guard !layers.isEmpty else {
                throw DiagnosticsError([.error(SiteConfigFile.name, "unknown theme '\(themeName)': no folder themes/\(themeName)/ in the site")])
            }
            let siteDefault = siteDirectory + "/themes/default"
            if FileSystem.isDirectory(siteDefault) { layers.append(.folder(path: siteDefault, display: "themes/default")) }
        }
        layers.append(.builtIn)
        return try compile(layers: layers, name: themeName, language: language)
    }

    /// The first layer holding each file name under `subfolder`.
    static func files(in subfolder: String, layers: [Layer]) -> [(name: String, layer: Layer)] {
        var seen: Set<String> = []
        var found: [(String, Layer)] = []
        for layer in layers {
            for name in layer.list(subfolder).sorted() where seen.insert(name).inserted { found.append((name, layer)) }
        }
        return found.sorted { $0.0 < $1.0 }
    }

    static func compile(layers: [Layer], name: String, language: String) throws(DiagnosticsError) -> Theme {
        var problems: [Diagnostic] = []
        var templates: [String: MustacheTemplate] = [:]
        var templateNames: Set<String> = []
        for (file, layer) in files(in: "templates", layers: layers) where file.hasSuffix(".mustache") {
            let relative = "templates/" + file
            let templateName = String(file.dropLast(".mustache".count))
            do {
                let text = String(decoding: try layer.read(relative), as: UTF8.self)
                templates[templateName] = try MustacheTemplate(text)
                templateNames.insert(templateName)
            } catch let error as MustacheTemplate.ParseError {
                problems.append(.error(layer.displayPath(relative), line: error.line, column: error.column, "template error: \(error.message)"))
            } catch {
                problems.append(.error(layer.displayPath(relative), "cannot read template: \(error)"))
            }
        }
        for required in ["baseof", "home", "section", "page", "tags", "tag", "404", "search"] where !templateNames.contains(required) {
            problems.append(.error("themes/" + name, "the theme has no template '\(required).mustache'"))
        }

        var assets: [Theme.Asset] = []
        for (file, layer) in files(in: "assets", layers: layers) {
            do {
                let bytes = try layer.read("assets/" + file)
                let hash = String(ContentHash.hex(bytes).prefix(10))
                let output: String
                if let dot = file.lastIndex(of: ".") {
                    output = "assets/" + file[..<dot] + "." + hash + file[dot...]
                } else {
                    output = "assets/" + file + "." + hash
                }
                assets.append(Theme.Asset(name: file, outputPath: output, bytes: bytes))
            } catch {
                problems.append(.error(layer.displayPath("assets/" + file), "cannot read asset: \(error)"))
            }
        }

        var strings: [String: String] = [:]
        // Lowest layer first, so higher layers override single strings.
        for layer in layers.reversed() {
            let relative = "i18n/" + language + ".yaml"
            guard layer.list("i18n").contains(language + ".yaml") else { continue }
            do {
                let text = String(decoding: try layer.read(relative), as: UTF8.self)
                guard let root = try YAMLNode.parse(text, path: layer.displayPath(relative)), let pairs = root.mapping else { continue }
                for (key, value) in pairs {
                    if let key = key.scalar, let text = value.scalar { strings[key] = text }
                }
            } catch let diagnostic as Diagnostic {
                problems.append(diagnostic)
            } catch {
                problems.append(.error(layer.displayPath(relative), "cannot read: \(error)"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return Theme(name: name, renderer: MustacheRenderer(templates: templates), templateNames: templateNames, assets: assets, strings: strings)
    }
}

/// The configuration file's name, for diagnostics raised while loading a theme.
enum SiteConfigFile { static let name = "deskbook.yaml" }
