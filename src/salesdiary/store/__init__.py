"""Persistence: paths, schema (SQLModel), read queries (plain SQL), writes with history."""
