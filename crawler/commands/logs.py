"""Log files for unattended runs: ``LOG_DIR/crawlall.log``, rotated by size, beside the console.

Scrapy's own handler keeps writing to the console (stderr, or ``--logfile``);
this adds a second handler on the root logger so that cron runs leave a history
in ``LOG_DIR`` (default ``data/logs``): the file is rotated at ``LOG_MAX_BYTES``
and ``LOG_BACKUPS`` old files are kept (``crawlall.log.1`` is the newest). The
format is Scrapy's (``LOG_FORMAT``, ``LOG_DATEFORMAT``); the level is
``LOG_FILE_LEVEL`` (INFO), so a console quietened with ``-L WARNING`` for cron
mail still leaves the whole story in the file.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "crawlall.log"


def add_rotating_file_log(settings, name: str = LOG_NAME) -> RotatingFileHandler:
    """Attach a size-rotated log file under ``LOG_DIR`` to the root logger and return it."""
    folder = Path(settings.get("LOG_DIR") or "data/logs")
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        folder / name,
        maxBytes=settings.getint("LOG_MAX_BYTES", 10 * 1024 * 1024),
        backupCount=settings.getint("LOG_BACKUPS", 10),
        encoding="utf-8",
    )
    handler.setFormatter(
        logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
    )
    handler.setLevel(settings.get("LOG_FILE_LEVEL") or "INFO")
    logging.getLogger().addHandler(handler)
    return handler


def remove_file_log(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
