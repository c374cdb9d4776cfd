"""Shared fixtures, split by domain in ``tests/fixtures/``."""
pytest_plugins = ["tests.fixtures.runtime", "tests.fixtures.services"]
