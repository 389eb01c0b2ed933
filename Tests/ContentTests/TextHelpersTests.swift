import DeskbookSupport
import Testing

@Suite struct TextHelpersTests {
    /// The fast count of characters agrees with grapheme breaking, on text it can count alone
    /// and on text where it must hand over (combining marks, emoji, CR LF, Hangul, Thai).
    @Test func endOfCharacterAgreesWithGraphemeBreaking() {
        let texts = [
            "", "a", "貸款利率", "首期 20%，「按揭」— 約 30 年。\n第二行\tTab",
            "e\u{301}clair café", "車位👨‍👩‍👧貸款", "line\r\nbreak", "한국어 텍스트", "ภาษาไทย", "漢\u{FE00}字",
            "ｶﾞｷﾞ半角", "〜〰〪〫", "混合 mixed 文字 and 👍🏽 end",
        ]
        for text in texts {
            for count in 0...(text.count + 2) {
                let expected = text.index(text.startIndex, offsetBy: count, limitedBy: text.endIndex)
                #expect(text.endOfCharacter(count) == expected, "\(text.debugDescription) at \(count)")
            }
        }
    }
}
