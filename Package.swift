// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Deskbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deskbook", targets: ["deskbook"]),
    ],
    dependencies: [
    ],
    targets: [
        .systemLibrary(
            name: "CMarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // UTF-8 checked with AVX2 where the processor has it (see its source file).
        .target(name: "CUTF8"),
        .target(name: "DeskbookSupport", dependencies: ["CYAML", "CUTF8"]),
        // Lets cmark-gfm parse documents on several threads at once (see its source file).
        .target(name: "CMarkSharedSpecials", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CMarkArena"),
        // A cache prefetch hint, which Swift has no word for (see the header).
        .target(name: "CPrefetch"),
        .target(
            name: "Content",
            dependencies: ["CMarkGFM", "CMarkSharedSpecials", "CMarkArena", "DeskbookSupport"]
        ),
        .executableTarget(name: "EmbedThemeTool"),
        .plugin(name: "EmbedDefaultTheme", capability: .buildTool(), dependencies: ["EmbedThemeTool"]),
        .target(
            name: "Theme",
            dependencies: ["DeskbookSupport"],
            plugins: ["EmbedDefaultTheme"]
        ),
        .target(name: "DeskbookData", dependencies: ["CSQLite", "DeskbookSupport"]),
        .target(name: "Charts", dependencies: ["DeskbookSupport"]),
        .target(name: "SampleData", dependencies: ["CSQLite", "DeskbookSupport"]),
        .target(name: "Search", dependencies: ["Content", "CPrefetch", "DeskbookSupport"]),
        .target(name: "Blocks", dependencies: ["Content", "DeskbookData", "Charts", "DeskbookSupport"]),
        .target(name: "Build", dependencies: ["Content", "Theme", "Blocks", "DeskbookData", "Search", "DeskbookSupport"]),
        .target(name: "Serve", dependencies: ["Build", "DeskbookSupport"]),
        .target(name: "DeskbookFuzz", dependencies: ["Blocks", "Content", "DeskbookData", "DeskbookSupport"]),
        .target(
            name: "DeskbookCLI",
            dependencies: ["Build", "Content", "DeskbookData", "DeskbookSupport", "SampleData", "Serve"]
        ),
        .executableTarget(name: "deskbook", dependencies: ["DeskbookCLI", "DeskbookSupport"]),
        .target(name: "DeskbookTestSupport", dependencies: ["DeskbookSupport"]),
        .testTarget(name: "ContentTests", dependencies: ["Content", "DeskbookSupport", "DeskbookTestSupport"]),
        .testTarget(name: "ThemeTests", dependencies: ["Theme", "DeskbookSupport", "DeskbookTestSupport"]),
        .testTarget(name: "DeskbookDataTests", dependencies: ["DeskbookData", "CSQLite", "DeskbookSupport", "DeskbookTestSupport"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "BlocksTests", dependencies: ["Blocks", "Content", "DeskbookData", "DeskbookSupport", "DeskbookTestSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Content", "DeskbookSupport"]),
        .testTarget(name: "ServeTests", dependencies: ["Serve", "DeskbookSupport", "DeskbookTestSupport"]),
        .testTarget(name: "BuildTests", dependencies: ["Build", "Content", "Theme", "DeskbookData", "DeskbookSupport", "DeskbookTestSupport", "SampleData", "CSQLite"],
                    exclude: ["search-harness.js"]),
        .testTarget(name: "DeskbookCLITests", dependencies: ["DeskbookCLI", "Build", "DeskbookSupport", "DeskbookTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
