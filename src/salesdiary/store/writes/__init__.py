"""Writes: every change to the journal, inside a store/tx.py transaction that records its history."""
