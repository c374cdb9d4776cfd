"""Persistence: the database (``storage.db``, ``storage.models``) and object storage (``storage.objects``)."""
