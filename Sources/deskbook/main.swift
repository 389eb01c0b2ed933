import DeskbookCLI
DeskbookCommand.main()
