import Testing
@testable import Build

/// What a release made over loses, and what the report counts as removed: the paths the old
/// manifest names that the new release lacks (`OutputWriter.gone`), which looks only at the
/// lines where the two manifests differ.
@Suite struct ManifestTests {
    func listing(_ paths: [String]) -> [UInt8] { Array(paths.map { $0 + "\n" }.joined().utf8) }

    @Test func goneIsWhatTheNewListingLacks() {
        let base = ["index.html", "faq/a/index.html", "faq/ab/index.html", "faq/b/index.html", "search/t/c1.json", "sitemap.xml"]
        let listings: [[String]] = [
            base,
            base.filter { $0 != "faq/ab/index.html" },
            Array(base.dropFirst()), Array(base.dropLast()),
            base + ["zz/index.html"], ["aa/index.html"] + base,
            base.map { $0 == "search/t/c1.json" ? "search/t/c2.json" : $0 },
            // One byte shorter, and one longer: the difference is inside a line.
            base.map { $0 == "faq/a/index.html" ? "faq/a/index.htm" : $0 },
            base.map { $0 == "faq/b/index.html" ? "faq/bb/index.html" : $0 },
            [], ["常見問題/index.html"],
        ]
        for old in listings {
            for new in listings {
                #expect(OutputWriter.gone(from: listing(old), listing(new)) == old.filter { !new.contains($0) }, "\(old) -> \(new)")
            }
        }
    }

    /// Listings edited at random (lines dropped, added, renamed by a character), with paths
    /// that share long starts and ends, as a site's do.
    @Test func goneAgreesWithASetDifferenceAfterRandomEdits() {
        var generator = SystemRandomNumberGenerator()
        let names = (0..<40).map { "faq/faq-\($0 % 7)\($0)/index.html" } + (0..<10).map { "search/t/c\($0).json" }
        for _ in 0..<2_000 {
            let old = names.filter { _ in Int.random(in: 0..<4, using: &generator) > 0 }
            var new = old
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                guard !new.isEmpty else { break }
                let index = Int.random(in: 0..<new.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: new.remove(at: index)
                case 1: new.insert("new/\(Int.random(in: 0..<100, using: &generator))/index.html", at: index)
                default: new[index] += "x"
                }
            }
            let expected = old.filter { !new.contains($0) }
            #expect(OutputWriter.gone(from: listing(old), listing(new)) == expected, "\(old) -> \(new)")
        }
    }
}
