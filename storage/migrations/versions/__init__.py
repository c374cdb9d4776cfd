"""Revision scripts, one per schema change, each file named by its revision id (see ``storage.migrations``)."""
