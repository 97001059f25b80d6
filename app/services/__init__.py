"""Use cases: one module per area. Every function takes a ``ServiceContext`` (see
``context.py`` for the conventions: permission check, one transaction, clearance filter in SQL,
audit event in the same transaction) and returns plain data."""
