import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import Theme

@Suite struct ThemeTests {
    @Test func theBuiltInThemeMatchesThemesDefault() throws {
        let folder = TestSite.repositoryRoot + "/themes/default"
        var onDisk: [String: String] = [:]
        func walk(_ relative: String) throws {
            let base = relative.isEmpty ? folder : folder + "/" + relative
            for entry in try FileSystem.listDirectory(base) where !entry.name.hasPrefix(".") {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                if entry.isDirectory { try walk(path) } else { onDisk[path] = try FileSystem.readText(folder + "/" + path) }
            }
        }
        try walk("")
        #expect(onDisk.keys.sorted() == DefaultThemeFiles.files.keys.sorted(),
                "the EmbedDefaultTheme plugin compiles every file of themes/default/")
        for (path, text) in onDisk {
            #expect(DefaultThemeFiles.files[path] == text, "\(path) differs from the compiled copy")
        }
    }

    @Test func loadsTheBuiltInThemeForASiteWithoutThemes() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let theme = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "zh-Hant")
        for name in ["baseof", "home", "section", "page", "tags", "tag", "404"] { #expect(theme.hasTemplate(name)) }
        #expect(theme.strings["copy_reply"] == "複製回覆")
        #expect(theme.format(CalendarDate(year: 2026, month: 3, day: 14)) == "2026年3月14日")
    }

    @Test func stringsAndDatesFollowTheLanguage() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let english = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "en")
        #expect(english.strings["copy_reply"] == "Copy reply")
        #expect(english.format(CalendarDate(year: 2026, month: 3, day: 14)) == "14 Mar 2026")
        let simplified = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "zh-Hans")
        #expect(simplified.strings["copy_reply"] == "复制回复")
    }

    @Test func assetNamesCarryAContentHash() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let theme = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "en")
        let css = try #require(theme.assetPaths["style.css"])
        #expect(css.hasPrefix("assets/style.") && css.hasSuffix(".css") && css.count == "assets/style.".count + 10 + 4)
        let changed = try TestSite(["themes/default/assets/style.css": "body { color: red }"])
        defer { changed.remove() }
        let other = try ThemeLoader.load(siteDirectory: changed.root, themeName: "default", language: "en")
        #expect(other.assetPaths["style.css"] != css)
    }

    @Test func aSiteOverridesOneTemplateAndKeepsTheRest() throws {
        let site = try TestSite(["themes/default/templates/404.mustache": "<p>自訂 404</p>"])
        defer { site.remove() }
        let theme = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "zh-Hant")
        #expect(theme.render("404", context: [:]) == "<p>自訂 404</p>")
        #expect(theme.hasTemplate("page"))
    }

    @Test func aNamedThemeLayersOverTheDefault() throws {
        let site = try TestSite(["themes/office/templates/page.mustache": "<h1>{{page.title}}</h1>",
                                 "themes/office/i18n/en.yaml": "copy_reply: Copy"])
        defer { site.remove() }
        let theme = try ThemeLoader.load(siteDirectory: site.root, themeName: "office", language: "en")
        #expect(theme.render("page", context: ["page": ["title": "<Hi>"]]) == "<h1>&lt;Hi&gt;</h1>")
        #expect(theme.strings["copy_reply"] == "Copy")
        #expect(theme.strings["feed"] == "Updates feed")
    }

    @Test func anUnknownThemeIsAnError() throws {
        let site = try TestSite([:])
        defer { site.remove() }
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ThemeLoader.load(siteDirectory: site.root, themeName: "missing", language: "en") })
        #expect(problems.first?.message.contains("unknown theme 'missing'") == true)
    }

    @Test func aTemplateSyntaxErrorNamesTheFileAndLine() throws {
        let site = try TestSite(["themes/default/templates/page.mustache": "<h1>\n{{#page}}\n"])
        defer { site.remove() }
        let problems = try #require(diagnostics { () throws(DiagnosticsError) in _ = try ThemeLoader.load(siteDirectory: site.root, themeName: "default", language: "en") })
        let problem = try #require(problems.first)
        #expect(problem.path == "themes/default/templates/page.mustache")
        #expect(problem.message.hasPrefix("template error"))
    }
}
