"""The sales method as pure Python: no I/O beyond reading package data."""
