@testable import DeskbookSupport
import Testing
@testable import Content

@Suite struct FrontMatterTests {
    /// The build cache keeps the typed fields as they are, also one that no longer matches its
    /// key (a page made from a row, whose title is filled in).
    @Test func typedFieldsReadBackFromTheCacheWhetherOrNotTheyMatchTheirKeys() throws {
        var (matter, problems) = FrontMatter.parse("title: 交屋流程\ntags: [交屋, 驗屋]\ndate: 2026-03-14\nslug: handover\nreply: 約兩週", path: "a.md")
        #expect(problems.isEmpty)
        #expect(matter.reply?.scalar == "約兩週")
        func readBack(_ matter: FrontMatter) throws -> FrontMatter {
            var out = ByteWriter()
            matter.encode(into: &out)
            var input = ByteReader(out.bytes)
            let read = try #require(FrontMatter.decode(&input))
            #expect(input.isAtEnd)
            return read
        }
        var read = try readBack(matter)
        #expect(read.title == "交屋流程" && read.tags == ["交屋", "驗屋"] && read.slug == "handover" && read.date?.isoDay == "2026-03-14")
        #expect(read.reply?.scalar == "約兩週")
        #expect(try readBack(FrontMatter.parse("title: 無回覆", path: "b.md").0).reply == nil)
        matter.title = "交屋流程：A 棟"
        matter.tags = ["交屋"]
        matter.summary = "不在鍵裡的摘要"
        read = try readBack(matter)
        #expect(read.title == "交屋流程：A 棟" && read.tags == ["交屋"] && read.summary == "不在鍵裡的摘要")
        #expect(read["title"]?.scalar == "交屋流程")
    }

    /// Every key reads back from the build cache as it was written (they are made from the
    /// cache's bytes when first asked for), with the typed fields looked up every build.
    /// Damaged keys: a broken layout is no record; a text that is no longer UTF-8 is no keys.
    @Test func keysReadBackFromTheCacheAsTheyWere() throws {
        let yaml = """
        title: 新人培訓：帶看流程
        course_id: C-101
        data: training
        reply: 先約時間再帶看。
        synonyms: [帶看, 看房]
        params: {region: 北區, year: 2026}
        history:
          - {version: 2, date: 2026-05-01, note: 補充停車位說明}
        """
        let (matter, problems) = FrontMatter.parse(yaml, path: "content/courses/c101.md")
        #expect(problems.isEmpty)
        var out = ByteWriter()
        matter.encode(into: &out)
        let bytes = out.bytes
        func readBack(_ bytes: [UInt8]) -> FrontMatter? {
            var input = ByteReader(bytes)
            return FrontMatter.decode(&input).flatMap { input.isAtEnd ? $0 : nil }
        }
        let read = try #require(readBack(bytes))
        #expect(read.courseID == "C-101" && read.reply?.scalar == "先約時間再帶看。" && read.title == "新人培訓：帶看流程")
        func described(_ fields: [(key: String, value: YAMLNode)]) -> [String] {
            fields.map { "\($0.key)@\($0.value.line):\($0.value.column)=\($0.value.templateValue)" }
        }
        #expect(described(read.fields) == described(matter.fields))
        #expect(read["params"]?["region"]?.scalar == "北區")
        #expect(read["history"]?.sequence?.first?["note"]?.scalar == "補充停車位說明")
        // Written again as it was read, its keys never made.
        var again = ByteWriter()
        try #require(readBack(bytes)).encode(into: &again)
        #expect(again.bytes == bytes)

        // The keys' block starts after its length (eight bytes) and their count (one).
        let keyStart = 9
        var cut = bytes
        cut[keyStart + 2] = 0xFF
        #expect(readBack(cut) == nil)
        let courseText = try #require(bytes.indices.first { Array(bytes[$0..<$0 + 5]) == Array("C-101".utf8) })
        var notUTF8 = bytes
        notUTF8[courseText] = 0xC0
        let damaged = try #require(readBack(notUTF8))
        #expect(damaged.fields.isEmpty)
        #expect(damaged.title == "新人培訓：帶看流程")
    }

    @Test func readsTheKeysOfTheAuthoringContract() throws {
        let source = """
        ---
        title: 首購族可以申請哪些優惠房貸？
        date: 2026-03-14
        tags: [貸款, 首購]
        weight: 2
        reply: 首購可申請青安貸款。
        synonyms: [青安, 新青安]
        ---

        本文
        """
        let (yaml, body, offset) = try FrontMatter.split(source, path: "content/faq/a.md")
        let (matter, problems) = FrontMatter.parse(try #require(yaml), path: "content/faq/a.md")
        #expect(problems.isEmpty)
        #expect(matter.title == "首購族可以申請哪些優惠房貸？")
        #expect(matter.date == CalendarDate(year: 2026, month: 3, day: 14))
        #expect(matter.tags == ["貸款", "首購"])
        #expect(matter.weight == 2)
        #expect(matter["reply"]?.scalar == "首購可申請青安貸款。")
        #expect(matter["synonyms"]?.stringList == ["青安", "新青安"])
        #expect(body.contains("本文"))
        #expect(offset == 8)
    }

    /// A file saved on Windows (CR LF line ends, often a byte order mark) reads as one saved
    /// with LF: its front matter closes, its keys read, its body starts after it.
    @Test func windowsLineEndsAndAByteOrderMarkAreRead() throws {
        for mark in ["", "\u{FEFF}"] {
            let source = mark + "---\r\ntitle: 換約流程\r\ntags: [換約]\r\n---\r\n\r\n正文第一段\r\n"
            let (yaml, body, offset) = try FrontMatter.split(source, path: "content/a.md")
            let (matter, problems) = FrontMatter.parse(try #require(yaml), path: "content/a.md")
            #expect(problems.isEmpty)
            #expect(matter.title == "換約流程")
            #expect(matter.tags == ["換約"])
            #expect(body == "\r\n正文第一段\r\n")
            #expect(offset == 4)
        }
        #expect(throws: Diagnostic.self) { try FrontMatter.split("---\r\ntitle: x\r\n", path: "content/a.md") }
        #expect(try FrontMatter.split("---", path: "content/a.md").yaml == nil)
    }

    @Test func aWordDateIsAnErrorAtItsLineAndColumn() throws {
        let (matter, problems) = FrontMatter.parse("title: x\ndate: next tuesday\n", path: "content/a.md")
        _ = matter
        let problem = try #require(problems.first)
        #expect(problem.description.hasPrefix("content/a.md:3:7: error: date: expected a date"))
        #expect(problem.description.contains("'next tuesday'"))
    }

    @Test func invalidYAMLPointsAtTheFileLine() throws {
        let (_, problems) = FrontMatter.parse("title: [unclosed\nsummary: x\n", path: "content/b.md")
        let problem = try #require(problems.first)
        #expect(problem.severity == .error)
        #expect(problem.path == "content/b.md")
        #expect(problem.line >= 2)
        #expect(problem.message.hasPrefix("invalid YAML"))
    }

    @Test func wrongTypesAreNamed() {
        let (_, problems) = FrontMatter.parse("title: [a, b]\nweight: heavy\ndraft: maybe\n", path: "p.md")
        let messages = problems.map(\.message)
        #expect(messages.contains { $0.hasPrefix("title: expected text") })
        #expect(messages.contains { $0.hasPrefix("weight: expected a whole number") })
        #expect(messages.contains { $0.hasPrefix("draft: expected true or false") })
    }

    @Test func aSlugWithASlashIsRefused() throws {
        let (_, problems) = FrontMatter.parse("slug: ../../etc\n", path: "p.md")
        #expect(try #require(problems.first).message.contains("single URL segment"))
    }

    @Test func unclosedFrontMatterIsAnError() {
        #expect(throws: Diagnostic.self) { try FrontMatter.split("---\ntitle: x\n\nbody", path: "p.md") }
    }

    @Test func aFileWithoutFrontMatterIsAllBody() throws {
        let (yaml, body, offset) = try FrontMatter.split("# 標題\n", path: "p.md")
        #expect(yaml == nil)
        #expect(body == "# 標題\n")
        #expect(offset == 0)
    }

    @Test func datesParseInTheCommonForms() {
        #expect(CalendarDate(parsing: "2026-03-14")?.isoDay == "2026-03-14")
        #expect(CalendarDate(parsing: "2026-03-14 09:30")?.hour == 9)
        #expect(CalendarDate(parsing: "2026-03-14T09:30:00+08:00")?.rfc3339 == "2026-03-14T09:30:00+08:00")
        #expect(CalendarDate(parsing: "2026-02-30") == nil)
        #expect(CalendarDate(parsing: "next tuesday") == nil)
        let date = CalendarDate(year: 2026, month: 11, day: 26)
        #expect(CalendarDate(secondsSinceEpoch: date.secondsSinceEpoch).isoDay == "2026-11-26")
        #expect(CalendarDate(year: 987, month: 1, day: 5).isoDay == "0987-01-05")
        #expect(CalendarDate(year: 12026, month: 1, day: 5).isoDay == "12026-01-05")
    }
}

@Suite struct SiteConfigTests {
    @Test func defaultsApplyWithoutAFile() throws {
        let (config, problems) = try SiteConfig.parse("", path: "deskbook.yaml")
        #expect(problems.isEmpty)
        #expect(config.language == .zhHant)
        #expect(config.basePath == "/")
    }

    @Test func aSubPathBaseURLGivesThePathAndOrigin() throws {
        let (config, _) = try SiteConfig.parse("base_url: http://intranet/site-a\n", path: "deskbook.yaml")
        #expect(config.basePath == "/site-a/")
        #expect(config.origin == "http://intranet")
    }

    @Test func anUnknownLanguageIsAnErrorOnItsLine() {
        do {
            _ = try SiteConfig.parse("title: x\nlanguage: klingon\n", path: "deskbook.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.first?.description.hasPrefix("deskbook.yaml:2:11: error: unknown language 'klingon'") == true)
        }
    }

    @Test func anUnknownKeyIsAWarning() throws {
        let (_, problems) = try SiteConfig.parse("titel: x\n", path: "deskbook.yaml")
        #expect(problems.first?.severity == .warning)
        #expect(problems.first?.message.contains("unknown key 'titel'") == true)
    }
}

@Suite struct SlugTests {
    @Test func chineseHeadingsKeepTheirCharacters() {
        #expect(Slug.make("第一條 目的") == "第一條-目的")
        #expect(Slug.make("貸款利率（2026）") == "貸款利率-2026")
        #expect(Slug.make("Mortgage FAQ!") == "mortgage-faq")
    }

    /// Letters beyond ASCII and the common ideographs are lower-cased by Unicode's mapping,
    /// which may give more than one character; the rest is kept as written.
    @Test func lettersOfEveryScriptAreLowerCased() {
        #expect(Slug.make("ÉCOLE Déjà-vu") == "école-déjà-vu")
        #expect(Slug.make("İstanbul ΣΟΦΙΑ") == "i\u{307}stanbul-σοφια")
        #expect(Slug.make("𠀀𠀁 Ext-B 第2章_附錄") == "𠀀𠀁-ext-b-第2章_附錄")
        #expect(Slug.make("  ——  ") == "")
    }

    @Test func repeatedHeadingsGetDistinctIDs() {
        var ids = Slug.Deduplicator()
        #expect(ids.unique("說明") == "說明")
        #expect(ids.unique("說明") == "說明-1")
        #expect(ids.unique("說明") == "說明-2")
        #expect(ids.unique("") == "section")
    }
}

@Suite struct SimpleYAMLTests {
    /// The fast reader gives exactly what the full YAML parser gives, positions included.
    @Test(arguments: [
        "title: 首購族可以申請哪些優惠房貸？\ndate: 2026-03-14\n",
        "title: \"河岸晴苑: 接待中心\"\ntags: [貸款, 首購]\nweight: 2\ndraft: false\n",
        "reply: 額度最高1,000萬、年限最長40年\nsynonyms: []\nslug: 'credit-card'\n",
        "# a comment\ntitle: x\n\nversion: \"2.1\"\n",
        "tags: [ 貸款 ,首購,  車位 ]\ntitle:   兩個空格後的標題\t\r\nsummary: 'a: b'\n",
        "title: 結尾有全形空白　\nlead: 　開頭有全形空白\n",
        "title: a:b\nnote: x#y\nurl: http://example.com/a#b\n",
    ])
    func fastPathMatchesYAML(text: String) throws {
        let fast = try #require(try YAMLNode.parse(text, path: "p.md", lineOffset: 1))
        let full = try #require(try YAMLNode.parse(text, path: "p.md", lineOffset: 1, fastPath: false))
        #expect(fast.shape == full.shape)
    }

    @Test(arguments: [
        "history:\n  - {version: \"1.0\"}\n",
        "title: a: b\n",
        "title: x # comment\n",
        "note: a:b #c\n",
        "note: 甲: 乙\n",
        "params: {month: '2026-11'}\n",
        "each: >-\n  SELECT 1\n",
        "title: x\ntitle: y\n",
        "title: \"with \\\"escape\\\"\"\n",
        "標題: 中文鍵\n",
        "title: 結尾有全形空白　\n",
        "tags: []\n",
    ])
    func anythingElseGoesToTheFullParser(text: String) {
        #expect(SimpleYAML.parse(text, lineOffset: 0) == nil)
    }

    /// What the fast reader leaves to the full parser (block text, flow maps, anchors) is
    /// read with each node's place; block text counts as quoted, so it is never a number.
    @Test func theFullParserReadsBlockTextFlowMapsAndAnchors() throws {
        let text = "each: |\n  SELECT 1\n  FROM deals\nparams: {month: '2026-11', n: 3}\nbase: &owner 陳經理\nowner: *owner\n"
        let node = try #require(try YAMLNode.parse(text, path: "p.md", lineOffset: 1))
        #expect(node["each"]?.shape == "q:SELECT 1\nFROM deals\n@2:7")
        #expect(node["params"]?.shape == "{month:q:2026-11@5:17,n:p:3@5:31}")
        #expect(node["owner"]?.scalar == "陳經理")
        #expect(node["owner"]?.line == 6)
    }

    /// A wrong document is one error at its line in the file, saying what is wrong.
    @Test(arguments: [
        ("title: x\nsummary: a\ntitle: y\n", "p.md:2:1: error: invalid YAML: duplicate key title"),
        ("owner: *nobody\n", "p.md:2:8: error: invalid YAML: found undefined alias"),
        ("a: 1\n--- \nb: 2\n", "p.md:3:1: error: invalid YAML: but found another document expected a single document in the stream"),
        ("tags: [a, b\ntitle: x\n", "p.md:3:6: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence"),
    ])
    func wrongDocumentsAreReportedAtTheirLine(text: String, expected: String) {
        #expect(throws: Diagnostic.self) { try YAMLNode.parse(text, path: "p.md", lineOffset: 1) }
        do { _ = try YAMLNode.parse(text, path: "p.md", lineOffset: 1) } catch { #expect(error.description == expected) }
    }

    /// YAML's words for nothing, true and false are read as such in every spelling YAML
    /// allows, and only unquoted; other scalars, however they start, are text.
    @Test func nullAndBooleanWordsAreKnownOnlyAsWholeUnquotedWords() throws {
        let truths = ["true", "True", "TRUE", "yes", "Yes", "on"]
        let falsehoods = ["false", "False", "FALSE", "no", "No", "off"]
        let nulls = ["~", "null", "Null", "NULL"]
        let others = ["nope", "offer", "t", "yes!", "Off", "YES", "nul", "~~", "交房", "2026-03-15", "o", "\"yes\"", "'null'"]
        let words = truths + falsehoods + nulls + others
        let text = words.enumerated().map { "k\($0.offset): \($0.element)" }.joined(separator: "\n")
        let node = try #require(try YAMLNode.parse(text, path: "p.md"))
        for (index, word) in words.enumerated() {
            let value = try #require(node["k\(index)"])
            #expect(value.bool == (truths.contains(word) ? true : falsehoods.contains(word) ? false : nil), "\(word)")
            #expect(value.isNull == nulls.contains(word), "\(word)")
        }
    }
}

