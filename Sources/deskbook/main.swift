import DeskbookCLI
import DeskbookSupport

Allocator.tuneForBuilds()
DeskbookCommand.main()
