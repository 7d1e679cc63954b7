"""Persistence. reads/: plain SQL that never writes; writes/: every change, in a tx.py transaction with history;
the modules here: the database itself (connections, engines, schema, migrations, paths, the doctor)."""
