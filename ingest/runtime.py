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
        """The active model. Trained from the packaged corpus on first use when none exists yet; retrained from
        the corpus and the confirmed letters (``letterdesk train``) when the active one was made by a version of
        the code that cannot use it, which stays on disk. A damaged or tampered model is never replaced."""
        from classifier import model

        with self._lock:
            try:
                return model.load(self.settings.model_dir)
            except ModelOutdated as outdated:
                from ingest.training import retrain

                log.warning("the active classifier model cannot be used (%s); retraining", outdated)
                outcome = retrain(self)
                log.warning("classifier model %s trained and activated", outcome.version)
                return model.load(self.settings.model_dir)
            except ConfigurationError as missing:
                if any(self.settings.model_dir.glob("model-*.joblib")):
                    raise  # a model exists but is damaged or tampered with: never silently replace it
                log.warning("no classifier model yet (%s); training one from the packaged corpus", missing)
                clf = model.train(model.load_corpus())
                model.save(clf, self.settings.model_dir)
                return clf

    def close(self) -> None:
        self.db.dispose()
