// Writes a Swift source file holding every file of a theme folder as text, so the default
// theme is compiled into the deskbook binary. Run by the EmbedDefaultTheme build plugin:
//   EmbedThemeTool THEME_FOLDER OUTPUT_FILE
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: EmbedThemeTool THEME_FOLDER OUTPUT_FILE\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[1])
var files: [(String, String)] = []
let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
while let url = walker?.nextObject() as? URL {
    guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
    let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
    files.append((relative, try String(contentsOf: url, encoding: .utf8)))
}
files.sort { $0.0 < $1.0 }

/// A raw string literal with enough `#`s that no line of the file can close it early.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\"" + hashes) { hashes += "#" }
    // Swift drops the newline just before the closing delimiter, so one is always added.
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

var source = "// Generated at build time from themes/default/ by the EmbedDefaultTheme plugin.\n\n"
source += "enum DefaultThemeFiles {\n    /// Path inside the theme folder -> file text.\n    static let files: [String: String] = [\n"
for (path, text) in files { source += "        \"\(path)\": \(literal(text)),\n" }
source += "    ]\n}\n"
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
