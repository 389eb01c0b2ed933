import ArgumentParser
import Build
import DeskbookSupport
import DeskbookTestSupport
import Testing
@testable import DeskbookCLI

/// Runs the command line as a user types it; returns the exit code.
func run(_ arguments: [String]) -> Int32 {
    do {
        var command = try DeskbookCommand.parseAsRoot(arguments)
        try command.run()
        return 0
    } catch {
        return DeskbookCommand.exitCode(for: error).rawValue
    }
}

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

    @Test func versionAndHelpAreAvailable() {
        #expect(DeskbookCommand.configuration.version == DeskbookCommand.version)
        let help = DeskbookCommand.helpMessage()
        for command in ["build", "check", "new"] { #expect(help.contains(command)) }
    }
}
