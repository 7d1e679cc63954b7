"""Reads: plain SQL over the DB-API Reader (store/connection.py), SQLite and PostgreSQL alike, no SQLAlchemy.

Nothing here changes a row, but for the forecast's snapshot (forecast_queries.take_snapshot), written in a Tx."""
