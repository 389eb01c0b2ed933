import Content
import DeskbookSupport

#if canImport(Glibc)
import Glibc
#endif

/// `deskbook new faq|course|policy|page TITLE`: a new page with the right front matter in
/// the right folder, ready to edit.
struct NewCommand: Command {
    static let spec = CommandSpec(
        name: "new",
        abstract: "Create a new FAQ entry, course, policy or page.",
        discussion: """
        Examples:
          deskbook new faq "可以用信用卡付訂金嗎？" --category contracts --slug credit-card-deposit
          deskbook new course "銷售話術進階" --slug sales-talk
          deskbook new policy "門禁管理辦法" --slug access-control
          deskbook new page "聯絡我們" --section about
        """,
        options: [
            CommandSpec.site,
            .value("category", help: "FAQ category folder under content/faq/, e.g. loans."),
            .value("section", help: "Folder under content/ for a page (default: content/ itself)."),
            .value("slug", help: "File name without .md (default: made from the title)."),
        ],
        arguments: [
            .init(name: "kind", help: "What to create: faq, course, policy or page."),
            .init(name: "title", help: "The title (for an FAQ entry, the customer's question)."),
        ]
    )

    enum Kind: String, CaseIterable {
        case faq, course, policy, page
    }

    let site: String
    let kind: Kind
    let title: String
    let category: String?
    let section: String?
    let slug: String?

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        site = parsed.value("site")!
        guard let kind = Kind(rawValue: parsed.arguments[0]) else {
            throw Self.spec.usageError("<kind> must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(parsed.arguments[0])'")
        }
        (self.kind, title) = (kind, parsed.arguments[1])
        (category, section, slug) = (parsed.value("category"), parsed.value("section"), parsed.value("slug"))
        if kind == .faq && category == nil {
            throw Self.spec.usageError("an FAQ entry needs --category, one of: \(Self.faqCategories(site: site).joined(separator: ", "))")
        }
        for (name, value) in [("slug", slug), ("category", category)] {
            if let value, value.isEmpty || value.contains("/") || value.contains("..") {
                throw Self.spec.usageError("--\(name) must be a single folder or file name without '/' or '..'")
            }
        }
        if let section, section.split(separator: "/").contains("..") {
            throw Self.spec.usageError("--section must stay inside content/")
        }
    }

    static func faqCategories(site: String) -> [String] {
        ((try? FileSystem.listDirectory(site + "/content/faq")) ?? []).filter(\.isDirectory).map(\.name)
    }

    func run() throws {
        let language = (try? SiteConfig.load(siteDirectory: site).0.language) ?? .zhHant
        let name = slug ?? Slug.make(title)
        guard !name.isEmpty else { throw Self.spec.usageError("cannot make a file name from the title; give --slug") }
        let today = CalendarDate(secondsSinceEpoch: Int(time(nil))).isoDay
        let text = NewPageText(language: language)
        let relative: String
        var contents: String
        switch kind {
        case .faq:
            let folder = "content/faq/" + category!
            if !FileSystem.exists(site + "/" + folder + "/_index.md") {
                try create(folder + "/_index.md", "---\ntitle: \(yamlQuoted(category!))\n---\n")
            }
            relative = folder + "/" + name + ".md"
            contents = """
            ---
            title: \(yamlQuoted(title))
            date: \(today)
            tags: []
            reply: \(yamlQuoted(text.reply))
            synonyms: []
            ---

            \(text.faqBody)

            """
        case .course:
            relative = "content/training/" + name + "/index.md"
            contents = """
            ---
            title: \(yamlQuoted(title))
            date: \(today)
            summary: \(yamlQuoted(text.summary))
            tags: []
            trainer: \(yamlQuoted(text.trainer))
            duration: \(yamlQuoted(text.duration))
            course_id: ""
            trainees: \(yamlQuoted(text.trainees))
            ---

            \(text.courseBody)

            """
        case .policy:
            relative = "content/policies/" + name + ".md"
            contents = """
            ---
            title: \(yamlQuoted(title))
            date: \(today)
            summary: \(yamlQuoted(text.summary))
            tags: []
            effective: \(today)
            version: "1.0"
            owner: \(yamlQuoted(text.owner))
            history:
              - {version: "1.0", date: \(today), note: \(yamlQuoted(text.firstRelease))}
            ---

            \(text.policyBody)

            """
        case .page:
            let folder = section.map { "content/" + $0 } ?? "content"
            relative = folder + "/" + name + ".md"
            contents = """
            ---
            title: \(yamlQuoted(title))
            date: \(today)
            summary: \(yamlQuoted(text.summary))
            tags: []
            ---

            \(text.pageBody)

            """
        }
        try create(relative, contents)
        print("created \(relative)")
    }

    func create(_ relative: String, _ contents: String) throws {
        let path = site + "/" + relative
        if FileSystem.exists(path) {
            Console.error(Diagnostic.error(relative, "already exists; choose another --slug").description)
            throw CommandFailed()
        }
        try FileSystem.makeDirectories(FileSystem.parentPath(path))
        try FileSystem.writeAtomically(path, Array(contents.utf8))
    }
}

/// A YAML double-quoted string, safe for any title.
func yamlQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Placeholder text for new pages, in the site's language.
struct NewPageText {
    let reply, summary, trainer, duration, trainees, owner, firstRelease: String
    let faqBody, courseBody, policyBody, pageBody: String

    init(language: SiteLanguage) {
        switch language {
        case .en:
            reply = "One to three sentences a colleague can paste straight into a chat with the customer."
            summary = "One sentence saying what this page is for."
            trainer = "Trainer's name"; duration = "2 hours"; trainees = "All sales staff"; owner = "Department"
            firstRelease = "First release"
            faqBody = "The full answer: conditions, exceptions, and who to ask."
            courseBody = "## Objectives\n\n## Outline\n\n## Preparation\n\n## Assessment"
            policyBody = "## Article 1 Purpose\n\n## Article 2 Scope\n\n## Article 3 Rules"
            pageBody = "Write the page here."
        case .zhHans:
            reply = "在这里写一到三句可以直接贴给客户的简短回复。"
            summary = "用一句话说明本页用途。"
            trainer = "讲师姓名"; duration = "2 小时"; trainees = "全体置业顾问"; owner = "权责部门"
            firstRelease = "首次发布"
            faqBody = "在这里写完整说明：适用条件、例外情况、需要找谁确认。"
            courseBody = "## 课程目标\n\n## 课程大纲\n\n## 课前准备\n\n## 考核方式"
            policyBody = "## 第一条 目的\n\n## 第二条 适用范围\n\n## 第三条 规定事项"
            pageBody = "在这里撰写内容。"
        case .zhHant:
            reply = "在這裡寫一到三句可以直接貼給客戶的簡短回覆。"
            summary = "用一句話說明本頁用途。"
            trainer = "講師姓名"; duration = "2 小時"; trainees = "全體置業顧問"; owner = "權責單位"
            firstRelease = "首次發布"
            faqBody = "在這裡寫完整說明：適用條件、例外情況、需要找誰確認。"
            courseBody = "## 課程目標\n\n## 課程大綱\n\n## 課前準備\n\n## 考核方式"
            policyBody = "## 第一條 目的\n\n## 第二條 適用範圍\n\n## 第三條 規定事項"
            pageBody = "在這裡撰寫內容。"
        }
    }
}
