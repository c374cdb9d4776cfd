"""Scanner hot folder: pick up files once they stop growing, hand them to intake, move them away.

Contract: a file in ``DIR`` is submitted once its size and modification time have stayed the same for
``settle`` seconds. Accepted files (and duplicates of earlier ones) move to ``DIR/done``; refused files
move to ``DIR/rejected`` beside a ``NAME.reason.txt``. A file is never submitted twice: it leaves the
folder as soon as intake has answered. If intake fails for a reason that is not the file's fault (the
store or database is down) the file stays where it is and is tried again on a later pass.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.actor import SYSTEM_ACTOR, Actor
from ingest.intake import Accepted, submit
from ingest.runtime import Runtime
from letterdesk.errors import InputRejected

log = logging.getLogger(__name__)
DONE, REJECTED = "done", "rejected"
_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", "~")


@dataclass(frozen=True)
class Outcome:
    path: Path
    moved_to: Path
    accepted: Accepted | None = None
    error: str | None = None


@dataclass
class HotFolder:
    folder: Path
    settle: float = 2.0
    actor: Actor = SYSTEM_ACTOR
    _seen: dict[Path, tuple[int, float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        for sub in (DONE, REJECTED):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def _candidates(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir()
                      if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_IGNORED_SUFFIXES))

    def _stable(self, path: Path, now: float) -> bool:
        st = path.stat()
        sig = (st.st_size, st.st_mtime)
        previous = self._seen.get(path)
        if previous is None or previous[:2] != sig:
            self._seen[path] = (*sig, now)
            return False
        return now - previous[2] >= self.settle

    def scan(self, rt: Runtime, now: float | None = None) -> list[Outcome]:
        """One pass over the folder; returns what happened to each file that was ready."""
        now = time.monotonic() if now is None else now
        outcomes = []
        present = set()
        for path in self._candidates():
            present.add(path)
            try:
                if not self._stable(path, now):
                    continue
                outcomes.append(self._submit(rt, path))
            except FileNotFoundError:
                continue  # taken away while we looked at it
            self._seen.pop(path, None)
        for gone in set(self._seen) - present:
            self._seen.pop(gone, None)
        return outcomes

    def _submit(self, rt: Runtime, path: Path) -> Outcome:
        data = path.read_bytes()
        try:
            accepted = submit(rt, data, path.name, "watch", self.actor)
        except InputRejected as err:
            target = _free_name(self.folder / REJECTED / path.name)
            path.rename(target)
            target.with_name(target.name + ".reason.txt").write_text(f"{err.message}\n代码：{err.code}\n", "utf-8")
            return Outcome(path, target, error=err.message)
        target = _free_name(self.folder / DONE / path.name)
        path.rename(target)
        return Outcome(path, target, accepted=accepted)

    def run(self, rt: Runtime, interval: float = 1.0, stop: threading.Event | None = None, report=print) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                for outcome in self.scan(rt):
                    report(outcome)
            except Exception:  # noqa: BLE001 - storage or database down: keep the files, try again
                log.exception("hot-folder pass failed; files stay in place and are retried")
            stop.wait(interval)


def _free_name(target: Path) -> Path:
    """``target`` or ``target`` with a counter, whichever does not exist yet."""
    candidate, n = target, 1
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        n += 1
    return candidate
