import DeskbookCLI
import DeskbookSupport

// Commands that build; the others are over before fresh memory costs much.
if let command = CommandLine.arguments.dropFirst().first, command == "build" || command == "serve" {
    Allocator.restartWithLargePages()
}
Allocator.tuneForBuilds()
DeskbookCommand.endsProcessWhenBuilt = true
DeskbookCommand.main()
