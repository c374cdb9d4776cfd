"""The Celery application: configuration from :class:`~letterdesk.config.Settings`, producer and worker.

Embedded default: the broker-less ``filesystem://`` transport in the data directory, so one machine
needs no broker server. Production: any broker URL (Redis, RabbitMQ). Tasks are acknowledged late and
rejected when a worker dies, so a killed worker's task is redelivered where the transport supports it;
where it does not (filesystem), the reconciler re-queues the letter from the database.
"""
from __future__ import annotations

from functools import lru_cache

from celery import Celery

from letterdesk.config import Settings

QUEUE = "letterdesk"
#: Logged by each pool process once its OCR engine and classifier are loaded (the load bench waits for it).
POOL_PROCESS_READY = "处理进程就绪 (pool process ready)"


def configure(app: Celery, settings: Settings) -> Celery:
    conf: dict = {
        "broker_url": settings.broker_url,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(settings.task_time_limit - 30, 30),
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_max_memory_per_child": 1_500_000,  # KiB: recycle a worker process that grew past ~1.5 GB
    }
    if settings.is_embedded_broker:
        conf["broker_url"] = "filesystem://localhost/"  # a host name keeps kombu from warning about its absence
        folder = settings.broker_folder
        for sub in ("processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        conf["broker_transport_options"] = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.1,
        }
    else:
        # redeliver a killed worker's task after this long; above the longest task so none runs twice
        conf["broker_transport_options"] = {"visibility_timeout": settings.task_time_limit * 2}
    app.conf.update(conf)
    return app


@lru_cache(maxsize=8)
def producer(settings: Settings) -> Celery:
    """A Celery app used only to send tasks for ``settings`` (one per distinct configuration)."""
    return configure(Celery("letterdesk-producer"), settings)
