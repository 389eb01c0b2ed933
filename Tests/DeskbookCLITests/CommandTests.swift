import Build
import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import DeskbookCLI

/// Runs the command line as a user types it; returns the exit code.
func run(_ arguments: [String]) -> Int32 { DeskbookCommand.run(arguments) }

@Suite struct CommandTests {
    @Test func newFAQEntryLandsInItsCategoryWithTheRightFrontMatter() throws {
        let site = try TestSite(["content/faq/loans/_index.md": TestSite.page("貸款")])
        defer { site.remove() }
        #expect(run(["new", "faq", "可以用信用卡付訂金嗎？", "--category", "loans", "--slug", "credit-card", "-s", site.root]) == 0)
        let text = try FileSystem.readText(site.root + "/content/faq/loans/credit-card.md")
        #expect(text.hasPrefix("---\ntitle: \"可以用信用卡付訂金嗎？\"\ndate: "))
        #expect(text.contains("\nreply: ") && text.contains("\nsynonyms: []"))
        // The new file builds as it is.
        #expect(run(["build", "-q", "-s", site.root]) == 0)
        #expect(FileSystem.exists(site.root + "/public/faq/loans/credit-card/index.html"))
    }

    @Test func newCoursePolicyAndPageGoWhereTheyBelong() throws {
        let site = try TestSite(["content/_index.md": TestSite.page("首頁")])
        defer { site.remove() }
        #expect(run(["new", "course", "銷售話術進階", "--slug", "sales-talk", "-s", site.root]) == 0)
        #expect(run(["new", "policy", "門禁管理辦法", "--slug", "access", "-s", site.root]) == 0)
        #expect(run(["new", "page", "聯絡我們", "--section", "about", "-s", site.root]) == 0)
        let course = try FileSystem.readText(site.root + "/content/training/sales-talk/index.md")
        #expect(course.contains("\ntrainer: ") && course.contains("\nduration: ") && course.contains("\ncourse_id: "))
        let policy = try FileSystem.readText(site.root + "/content/policies/access.md")
        #expect(policy.contains("\neffective: ") && policy.contains("\nversion: \"1.0\"") && policy.contains("\nhistory:\n"))
        #expect(FileSystem.exists(site.root + "/content/about/聯絡我們.md"))
        #expect(run(["check", "-s", site.root]) == 0)
    }

    @Test func newRefusesToOverwriteAndAsksForACategory() throws {
        let site = try TestSite(["content/policies/access.md": TestSite.page("舊")])
        defer { site.remove() }
        #expect(run(["new", "policy", "門禁", "--slug", "access", "-s", site.root]) != 0)
        #expect(try FileSystem.readText(site.root + "/content/policies/access.md").contains("舊"))
        #expect(run(["new", "faq", "問題", "-s", site.root]) != 0)
    }

    @Test func buildAndCheckExitNonZeroOnErrors() throws {
        let site = try TestSite(["content/a.md": "---\ndate: next tuesday\n---\n"])
        defer { site.remove() }
        #expect(run(["build", "-q", "-s", site.root]) == 1)
        #expect(!FileSystem.exists(site.root + "/public"))
        #expect(run(["check", "-s", site.root]) == 1)
    }

    @Test func checkFailsOnABrokenLinkThatBuildOnlyWarnsAbout() throws {
        let site = try TestSite(["content/a.md": TestSite.page("A", "[x](missing.md)")])
        defer { site.remove() }
        #expect(run(["build", "-q", "-s", site.root]) == 0)
        #expect(run(["build", "-q", "--strict", "-s", site.root, "-o", site.root + "/strict"]) == 1)
        #expect(run(["check", "-s", site.root]) == 1)
    }

    @Test func checkListsEveryPageThatShowsAMaskedColumnUnmasked() throws {
        let site = try TestSite([
            "deskbook.yaml": "data:\n  office: data/office.sql\nprivacy:\n  unmask: [email]\n",
            "data/office.sql": "CREATE TABLE customers (customer_name TEXT, phone TEXT); INSERT INTO customers VALUES ('蔣雨澄', '0933-274-615');",
            "content/calls.md": """
            ---
            title: 回撥
            privacy: {allow: [{column: phone, reason: 回撥專員需撥號}]}
            ---

            ```sql calls
            SELECT customer_name, phone FROM customers
            ```

            ```table
            data: calls
            ```
            """,
            "content/list.md": "---\ntitle: 名單\n---\n\n```sql names\nSELECT customer_name FROM customers\n```\n\n{{ names.customer_name }}\n",
        ])
        defer { site.remove() }
        #expect(run(["check", "-s", site.root]) == 0)
        var options = BuildOptions(siteDirectory: site.root)
        options.writeOutput = false
        let report = try SiteBuilder.build(options)
        #expect(CheckCommand.privacyExceptions(report, siteDirectory: site.root) == [
            "privacy: deskbook.yaml turns off the masks of email for every page",
            "privacy: 1 masked column shown unmasked (privacy.allow):",
            "  content/calls.md:3:19: shows phone unmasked: 回撥專員需撥號",
        ])
    }

    @Test func outputFolderOptionIsHonoured() throws {
        let site = try TestSite(["content/a.md": TestSite.page("A")])
        defer { site.remove() }
        #expect(run(["build", "-q", "--site", site.root, "--output", site.root + "/www"]) == 0)
        #expect(FileSystem.exists(site.root + "/www/a/index.html"))
    }

    @Test func helpListsEveryCommandAndEachCommandsOptions() {
        for command in ["build", "check", "new", "sample-data", "rollback", "serve"] { #expect(DeskbookCommand.help.contains("\n  \(command) ")) }
        let build = BuildCommand.spec.help
        #expect(build.contains("USAGE: deskbook build [--site <site>] [--output <output>] [--strict] [--drafts]\n       [--quiet]"))
        #expect(build.contains("  -s, --site <site>       The site folder (holding content/ and deskbook.yaml).\n"))
        #expect(build.contains("  -q, --quiet             Print nothing but problems."))
        #expect(build.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(NewCommand.spec.help.contains("ARGUMENTS:\n  <kind>                  What to create: faq, course, policy or page."))
        #expect(run(["--version"]) == 0 && run(["--help"]) == 0 && run(["help", "build"]) == 0 && run(["build", "--help"]) == 0)
    }

    /// Options are read as users write them: long or short, the value after `=` or in the next
    /// word, short flags together; anything else is a usage error (status 64), not a build.
    @Test func optionsAreReadInEveryUsualSpelling() throws {
        let spelled = [["--site=/s", "--output", "/o", "-qv"], ["-s", "/s", "-o/o", "--quiet", "--verbose"], ["-vqs", "/s", "--output=/o"]]
        for words in spelled {
            let parsed = try BuildCommand.spec.parse(words)
            #expect(parsed.value("site") == "/s" && parsed.value("output") == "/o" && parsed.flag("quiet") && parsed.flag("verbose"), "\(words)")
            #expect(!parsed.flag("strict"))
        }
        #expect(try BuildCommand.spec.parse([]).value("site") == ".")
        #expect(try NewCommand.spec.parse(["page", "--", "-標題-"]).arguments == ["page", "-標題-"])
        // An empty value is refused before anything runs: an empty --output names the current folder.
        for empty in [["--output="], ["-o", ""], ["--site", ""]] {
            #expect(throws: UsageError.self, "\(empty)") { try BuildCommand.spec.parse(empty) }
        }
        let site = try TestSite(["content/a.md": TestSite.page("A")])
        defer { site.remove() }
        for wrong in [["build", "--sight", site.root], ["build", "-s"], ["build", "extra"], ["build", "--strict=yes"], ["buidl"],
                      ["new", "faq"], ["new", "poster", "x", "-s", site.root], ["serve", "--port", "eighty"], ["help", "buidl"],
                      ["help", "build", "check"]] {
            #expect(run(wrong) == 64, "\(wrong)")
        }
        #expect(!FileSystem.exists(site.root + "/public"))
    }
}
