import DeskbookCLI
import DeskbookSupport

Allocator.restartWithHugePages()
Allocator.tuneForBuilds()
DeskbookCommand.endsProcessWhenBuilt = true
DeskbookCommand.main()
