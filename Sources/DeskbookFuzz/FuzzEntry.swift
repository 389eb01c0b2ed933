import Blocks
import Content
import DeskbookData
import DeskbookSupport

/// The libFuzzer entry: front matter, YAML, Markdown rendering and data-block parsing on
/// arbitrary bytes. None of them may crash or hang; errors are fine. Markdown that
/// `SimpleMarkdown` renders must come out as cmark-gfm renders it. Built and run by
/// `scripts/fuzz` (with `-sanitize=fuzzer`); in an ordinary build it is just a function.
@_cdecl("LLVMFuzzerTestOneInput")
public func deskbookFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    fuzzOnce(text)
    return 0
}

public func fuzzOnce(_ text: String) {
    let path = "content/fuzz.md"
    var matter = FrontMatter()
    var body = Substring(text)
    var offset = 0
    if let split = try? FrontMatter.split(text, path: path) {
        if let yaml = split.yaml { matter = FrontMatter.parse(yaml, path: path).0 }
        body = split.body
        offset = split.bodyLineOffset
    }
    let page = Page(kind: .page, sourcePath: "fuzz.md", frontMatter: matter, body: String(body), bodyLineOffset: offset,
                    urlPath: "fuzz/", sectionPath: "", bundleDirectory: nil)
    let links = LinkResolver(pages: [page], staticFiles: [], extraOutputs: [], basePath: "/")
    let simple = MarkdownRenderer().render(page, links: links)
    let cmark = MarkdownRenderer(usesSimpleMarkdown: false).render(page, links: links)
    if simple.htmlBytes != cmark.htmlBytes || simple.headings != cmark.headings || simple.sections != cmark.sections
        || simple.firstParagraph != cmark.firstParagraph {
        fatalError("SimpleMarkdown and cmark-gfm differ on \(String(reflecting: String(body)))")
    }
    let environment = BlockEnvironment(snapshots: .empty, locale: .init(language: .traditionalChinese, currency: "TWD"),
                                       strings: BlockStrings([:]), basePath: "/")
    let blocks = PageBlocks(page: page, environment: environment, parameters: [:])
    _ = MarkdownRenderer().render(page, links: links, hooks: blocks)
    _ = blocks.problems
}
