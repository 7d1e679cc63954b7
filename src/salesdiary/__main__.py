from salesdiary.cli.app import main

main()
