"""salesdiary — a terminal-first sales journal (`sd`)."""

__version__ = "0.1.0"
