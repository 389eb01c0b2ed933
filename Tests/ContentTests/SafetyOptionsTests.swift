import DeskbookSupport
import Testing
@testable import Content

@Suite struct PrivacyOptionsTests {
    @Test func aPageAllowsAColumnWithAReason() throws {
        let yaml = """
        title: 回撥名單
        privacy:
          allow:
            - column: phone
              reason: 回撥專員需撥打客戶電話
            - {column: customer_name, reason: 稱呼客戶}
        """
        let (matter, problems) = FrontMatter.parse(yaml, path: "content/callbacks.md")
        #expect(problems.isEmpty, "\(problems)")
        #expect(matter.privacyAllow.map(\.column) == ["phone", "customer_name"])
        #expect(matter.privacyAllow.first?.reason == "回撥專員需撥打客戶電話")
        #expect(matter.privacyAllow.first?.line == 5)
    }

    @Test func anAllowWithoutAReasonIsAnErrorAtItsLine() throws {
        let yaml = """
        title: 回撥名單
        privacy:
          allow:
            - column: phone
        """
        let (_, problems) = FrontMatter.parse(yaml, path: "content/callbacks.md")
        let problem = try #require(problems.first)
        #expect(problem.description == "content/callbacks.md:5:7: error: privacy.allow: 'phone' needs a reason: say why this page shows it unmasked")
        let (_, blank) = FrontMatter.parse("privacy: {allow: [{column: phone, reason: \"  \"}]}\n", path: "content/a.md")
        #expect(blank.first?.message.contains("'phone' needs a reason") == true)
        let (_, bare) = FrontMatter.parse("privacy:\n  allow: [phone]\n", path: "content/a.md")
        #expect(bare.first?.description.hasPrefix("content/a.md:3:11: error: privacy.allow: 'phone' needs a reason") == true)
        let (_, unknown) = FrontMatter.parse("privacy: {mask: [phone]}\n", path: "content/a.md")
        #expect(unknown.first?.message.contains("unknown key 'mask'") == true)
    }

    @Test func theConfigAddsMasksWithStylesAndTurnsDefaultsOff() throws {
        let (config, problems) = try SiteConfig.parse("""
        privacy:
          mask: [會員編號, contact_email, {column: 車牌, style: all}]
          unmask: [customer]
        allow_url_schemes: [data]
        """, path: "deskbook.yaml")
        #expect(problems.isEmpty)
        #expect(config.privacyMask.map(\.column) == ["會員編號", "contact_email", "車牌"])
        #expect(config.privacyMask.map(\.style) == [.name, .email, .all])
        #expect(config.privacyUnmask == ["customer"])
        #expect(config.allowedURLSchemes == ["data"])
    }

    @Test func aWrongMaskStyleIsAnErrorAtItsLine() {
        let problems = diagnosticsOf { () throws(DiagnosticsError) in
            _ = try SiteConfig.parse("privacy:\n  mask: [{column: x, style: blur}]\n", path: "deskbook.yaml")
        }
        #expect(problems.first?.description.hasPrefix("deskbook.yaml:2:29: error: privacy.mask: unknown style 'blur'") == true, "\(problems)")
    }
}

@Suite struct URLSafetyTests {
    @Test func schemesAreReadAsABrowserReadsThem() {
        #expect(URLSafety.scheme(of: "javascript:alert(1)") == "javascript")
        #expect(URLSafety.scheme(of: " JaVaScRiPt:alert(1)") == "javascript")
        #expect(URLSafety.scheme(of: "java\tscript:alert(1)") == "javascript")
        #expect(URLSafety.scheme(of: "\u{1}vbscript:x") == "vbscript")
        #expect(URLSafety.scheme(of: "data:text/html,<script>") == "data")
        #expect(URLSafety.scheme(of: "/faq/") == nil)
        #expect(URLSafety.scheme(of: "rate.md#a:b") == nil)
        #expect(URLSafety.blockedScheme("https://bank.example/") == nil)
        #expect(URLSafety.blockedScheme("data:image/png;base64,AAAA", allowed: ["data"]) == nil)
    }

    @Test func rawHTMLLosesEventHandlersAndBlockedURLs() {
        let (html, removed) = URLSafety.filterRawHTML(
            "<a href=\"javascript:alert(1)\" class=\"x\">a</a><img src=x onerror=alert(1)><svg onload='x'/>"
            + "<a href=\"&#106;avascript&colon;alert(1)\">b</a><a href=\"/ok/\" title=\"on\">c</a>")
        #expect(html == "<a class=\"x\">a</a><img src=x><svg/><a>b</a><a href=\"/ok/\" title=\"on\">c</a>")
        #expect(removed.count == 4)
    }
}

@Suite struct MarkdownURLTests {
    @Test func blockedLinksAndImagesAreDroppedKeepingTheirText() {
        for unsafe in [false, true] {
            let rendered = render("[點我](javascript:alert(1)) ![圖](data:image/svg+xml,x) <javascript:alert(2)> [好](https://bank.example/)",
                                  unsafeHTML: unsafe)
            #expect(!rendered.html.contains("href=\"javascript") && !rendered.html.contains("href=\"\""), "\(rendered.html)")
            #expect(!rendered.html.contains("<img") && !rendered.html.contains("data:image"))
            #expect(rendered.html.contains("點我") && rendered.html.contains("圖"))
            #expect(rendered.html.contains("<a href=\"https://bank.example/\">好</a>"))
            #expect(rendered.diagnostics.count == 3)
            #expect(rendered.diagnostics.first?.description.hasPrefix("content/faq/loans/a.md:5:1: warning: link with a javascript: URL removed") == true)
        }
    }

    @Test func anAllowedSchemeIsKept() {
        let rendered = render("![圖](data:image/png;base64,iVBORw0KGgo=)", allowedURLSchemes: ["data"])
        #expect(rendered.html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""))
        #expect(rendered.diagnostics.isEmpty)
    }

    @Test func allowedRawHTMLStillLosesScriptHandlersAndURLs() {
        let rendered = render("<div class=\"note\" onclick=\"x()\">注意 <a href=\"javascript:x()\">連結</a></div>\n", unsafeHTML: true)
        #expect(rendered.html.contains("<div class=\"note\">注意 <a>連結</a></div>"), "\(rendered.html)")
        #expect(rendered.diagnostics.first?.message.contains("removed onclick= attribute, javascript: URL in href=") == true)
    }
}

func diagnosticsOf(_ body: () throws(DiagnosticsError) -> Void) -> [Diagnostic] {
    do { try body(); return [] } catch { return error.diagnostics }
}
