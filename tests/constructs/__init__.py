"""The constructs suite: one type per NDR20 construct, bytes derived by hand (cases.py)."""
