"""The process-wide runtime: settings, database, object store, OCR engine and classifier.

Built once per process (web server, worker, CLI) and handed to every service function. Heavy parts
(the OCR engine, the classifier model) load lazily on first use, so the web process never loads them.
"""
from __future__ import annotations

import logging
import threading
from functools import cached_property

from letterdesk.config import Settings, load_settings
from letterdesk.errors import ConfigurationError, ModelOutdated
from storage.db import Database
from storage.objects import ObjectStore, open_object_store

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, db: Database, objects: ObjectStore) -> None:
        self.settings = settings
        self.db = db
        self.objects = objects
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "Runtime":
        settings = settings or load_settings()
        db = Database(settings.database_url)
        db.create_schema()
        return cls(settings, db, open_object_store(settings.object_store_url))

    @cached_property
    def ocr_engine(self):
        from ocr import get_engine

        return get_engine(self.settings.ocr_engine)

    @cached_property
    def classifier(self):
        """The active model. When there is none yet, or the active one was made by a version of the code that
        cannot use it (it stays on disk), one is trained as ``letterdesk train`` does, from the packaged corpus
        and the confirmed letters, by one process at a time: the others wait and then load what it saved. A
        damaged or tampered model is never replaced."""
        from ingest.training import usable_or_retrained

        with self._lock:
            return self._usable_model() or usable_or_retrained(self, self._usable_model)

    def _usable_model(self):
        """The active model, or None when there is none or this code cannot use it (:class:`ModelOutdated`);
        raises :class:`ConfigurationError` when a saved model is damaged or tampered with."""
        from classifier import model

        try:
            return model.load(self.settings.model_dir)
        except ModelOutdated as outdated:
            log.warning("the active classifier model cannot be used by this version: %s", outdated)
        except ConfigurationError as missing:
            if any(self.settings.model_dir.glob("model-*.joblib")):
                raise
            log.warning("no classifier model yet: %s", missing)
        return None

    def close(self) -> None:
        self.db.dispose()

