from goodwill.cli.launch import main

main()
