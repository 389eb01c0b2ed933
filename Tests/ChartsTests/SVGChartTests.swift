import Testing
@testable import Charts

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

func spec(_ kind: ChartSpec.Kind, categories: [String] = ["王<小明>", "李 & 陳", "一個非常非常非常長的置業顧問名字"],
          series: [ChartSpec.Series] = [.init(name: "金額", values: [300, 120, nil])], target: Double? = nil) -> ChartSpec {
    ChartSpec(kind: kind, id: "chart-1", title: "本月 <成交>", categories: categories, series: series,
              formatValue: { "\(Int($0))" }, target: target, targetLabel: "目標", categoryLabel: "姓名", tableCaption: "數據表")
}

/// Parses the chart's HTML as XML: the SVG must be well-formed for browsers and tools.
func isWellFormedXML(_ text: String) -> Bool {
    let parser = XMLParser(data: Data(("<root>" + text + "</root>").utf8))
    return parser.parse()
}

@Suite struct SVGChartTests {
    @Test(arguments: ChartSpec.Kind.allCases)
    func everyKindIsWellFormedAccessibleAndEscaped(kind: ChartSpec.Kind) {
        let html = SVGChart.render(spec(kind, target: 200))
        #expect(isWellFormedXML(html), "\(kind.rawValue) is not well-formed")
        #expect(html.contains("role=\"img\""))
        #expect(html.contains("aria-labelledby=\"chart-1-title chart-1-desc\""))
        #expect(html.contains("<title id=\"chart-1-title\">本月 &lt;成交&gt;</title>"))
        #expect(!html.contains("<小明>"))
        #expect(html.contains("王&lt;小明&gt;"))
        #expect(html.contains("李 &amp; 陳"))
        // The numbers are reachable as a table too.
        #expect(html.contains("<details class=\"chart-data\"><summary>數據表</summary><table>"))
        #expect(html.contains("<td class=\"num\">300</td>"))
        #expect(!html.contains("<script"))
    }

    @Test func theDrawingScalesWithItsContainer() {
        let html = SVGChart.render(spec(.bar))
        #expect(html.contains("<svg viewBox=\"0 0 640 "))
        #expect(!html.contains("width=\"640\""))
    }

    @Test func longLabelsAreShortenedWithTheFullTextKept() {
        let html = SVGChart.render(spec(.hbar))
        #expect(html.contains("<title>一個非常非常非常長的置業顧問名字</title>一個非常非常非常長的…"))
    }

    @Test func aTargetDrawsAReferenceLine() {
        let html = SVGChart.render(spec(.bar, target: 200))
        #expect(html.contains("class=\"target\""))
        #expect(html.contains(">目標 200</text>"))
    }

    @Test func stackedBarsAndDonutsShowALegend() {
        let twoSeries = [ChartSpec.Series(name: "一般", values: [1, 2, 3]), .init(name: "緊急", values: [1, 0, 1])]
        let stacked = SVGChart.render(spec(.stackedBar, categories: ["1月", "2月", "3月"], series: twoSeries))
        #expect(stacked.contains("<ul class=\"chart-legend\">"))
        #expect(stacked.contains("緊急"))
        let donut = SVGChart.render(spec(.donut))
        #expect(donut.contains("<path class=\"s0\""))
        #expect(donut.contains("(71.4%)"))
    }

    @Test func niceScalesUseRoundSteps() {
        let scale = SVGChart.niceScale(maximum: 934)
        #expect(scale.low == 0)
        #expect(scale.high == 1000)
        #expect(scale.step == 250)
    }
}
