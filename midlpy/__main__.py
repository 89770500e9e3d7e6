"""`python -m midlpy` is the `midlpy` command."""

from midlpy.cli import main

if __name__ == "__main__":
    main()
