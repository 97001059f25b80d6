"""Use cases, one package per area (``documents``, ``duty``, ``audit``, …; see
docs/foundation.md): each area's ``__init__`` is its public face. Every function takes a
``ServiceContext`` (see ``context.py`` for the conventions: permission check, one transaction,
clearance filter in SQL, audit event in the same transaction) and returns plain data."""
