import DeskbookCLI
import DeskbookSupport

Allocator.tuneForBuilds()
DeskbookCommand.endsProcessWhenBuilt = true
DeskbookCommand.main()
