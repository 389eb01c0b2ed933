import Foundation
import PackagePlugin

/// Compiles `themes/default/` into the Theme module, so a folder with only `content/` builds
/// with the default theme and the theme folder stays the one copy of its files.
@main
struct EmbedDefaultTheme: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let theme = context.package.directoryURL.appending(path: "themes/default")
        let output = context.pluginWorkDirectoryURL.appending(path: "DefaultThemeFiles.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: theme, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) {
            for case let url as URL in walker where !url.hasDirectoryPath { inputs.append(url) }
        }
        return [.buildCommand(displayName: "Embedding the default theme",
                              executable: try context.tool(named: "EmbedThemeTool").url,
                              arguments: [theme.path, output.path],
                              inputFiles: inputs, outputFiles: [output])]
    }
}
