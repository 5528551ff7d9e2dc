import sys

from memorder.cli.app import entry

if __name__ == "__main__":
    sys.exit(entry())
