"""The process-wide runtime: settings, database, object store, OCR engine and classifier.

Built once per process (web server, worker, CLI) and handed to every service function. Heavy parts
(the OCR engine, the classifier model) load lazily on first use, so the web process never loads them.
"""
from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

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
        from classifier import model
        from ingest.training import retrain

        with self._lock:
            clf = self._usable_model()
            if clf is None:
                with _exclusive(self.settings.model_dir / ".training.lock"):
                    clf = self._usable_model()  # another process may have trained one meanwhile
                    if clf is None:
                        log.warning("classifier model %s trained and activated", retrain(self).version)
                        clf = model.load(self.settings.model_dir)
            return clf

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


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) across processes and threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
