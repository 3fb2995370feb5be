from rolecall.cli.main import main

main()
