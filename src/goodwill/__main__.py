from goodwill.cli.main import main

main()
