from salesdiary.cli.app import run

run()
