import DeskbookData
import Testing
@testable import Blocks

@Suite struct FenceScannerTests {
    @Test func findsFencedBlocksWithTheirInfoAndLine() {
        let text = "段落\n\n```sql top_agents\nSELECT 1\nFROM x\n```\n\n~~~~chart\ntype: bar\n~~~~\n\n    ```not a fence\n"
        let blocks = FenceScanner.blocks(in: text)
        #expect(blocks.count == 2)
        #expect(blocks[0].info == ["sql", "top_agents"])
        #expect(blocks[0].literal == "SELECT 1\nFROM x\n")
        #expect(blocks[0].line == 3)
        #expect(blocks[1].info == ["chart"])
        #expect(blocks[1].line == 8)
    }
}

@Suite struct TableBlockTests {
    @Test func ranksShareTiesAndSkipAfterThem() {
        let rows: [[Value]] = [[.integer(9)], [.integer(7)], [.integer(7)], [.integer(5)]]
        #expect(TableBlock.ranking(rows, by: 0) == [1, 2, 2, 4])
    }

    @Test func csvCellsAreQuotedAndFormulasNeutralised() {
        #expect(TableBlock.csvCell("=HYPERLINK(\"x\")", isText: true) == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(TableBlock.csvCell("+886", isText: true) == "'+886")
        #expect(TableBlock.csvCell("-5", isText: false) == "-5")
        #expect(TableBlock.csvCell("王, 小明", isText: true) == "\"王, 小明\"")
    }

    @Test func csvStartsWithAByteOrderMark() {
        let bytes = TableBlock.csvBytes(rows: [[.text("王小明"), .integer(3)]], columns: ["agent", "units"], indices: [0, 1],
                                        labels: ["agent": "業務"], ranks: [1], rankLabel: "名次")
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: bytes.dropFirst(3), as: UTF8.self) == "名次,業務,units\r\n1,王小明,3\r\n")
    }
}
