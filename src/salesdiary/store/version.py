"""The schema version this code writes, readable without importing SQLModel.

SQLite keeps it in `PRAGMA user_version` (one cheap call on open); the alembic
revision of the same schema is SCHEMA_HEAD. A test checks they agree with the
migrations folder.
"""

SCHEMA_VERSION = 1
SCHEMA_HEAD = "0001"
APPLICATION_ID = 0x53444A31  # "SDJ1": marks an SQLite file as an sd journal
