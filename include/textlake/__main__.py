from textlake.cli import run

run()
