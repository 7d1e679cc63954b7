"""Output: Rich for people, JSON/CSV for programs. Knows nothing of the database."""
