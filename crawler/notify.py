"""Announce new candidates when a crawl ends: ``[notify]`` in sources.toml.

After a run that queued new candidates, ``notify.command`` is run with the
announcement as JSON on its stdin (and the count and review command in
``SEEDCRAWL_NEW`` / ``SEEDCRAWL_REVIEW``), and ``notify.webhook`` gets the
same JSON as a POST (ntfy, Slack-compatible relays, a home server). A hook
that fails is logged and counted; it never fails the crawl: the candidates
are in the queue whether anyone was told or not.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 60
WEBHOOK_TIMEOUT = 10


def announcement(
    run_id: int, storage: Path, new: list[dict[str, Any]], count: int, words: Sequence[str] = ()
) -> dict[str, Any]:
    """What a hook is told: how many, the best few, how to review them, and
    the queue's new words (crawler/new_words.py)."""
    return {
        "run": run_id,
        "new_candidates": count,
        "best": [
            {"id": row["queue_seq"], "title": row["title"], "score": round(row["score"], 3), "url": row["url"]}
            for row in new
        ],
        "review": f"seedcrawl review --storage {storage}",
        "new_words": list(words),
        "text": f"seedcrawl: {count} new candidate(s): " + "; ".join(row["title"] for row in new[:3]),
    }


def announce(command: str, webhook: str, message: dict[str, Any]) -> list[str]:
    """Run the command and post to the webhook; the failures, each in one line (logged)."""
    failures = []
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    if command:
        environment = {
            **os.environ,
            "SEEDCRAWL_NEW": str(message["new_candidates"]),
            "SEEDCRAWL_REVIEW": message["review"],
        }
        try:
            done = subprocess.run(
                shlex.split(command), input=body, env=environment, capture_output=True, timeout=COMMAND_TIMEOUT
            )
            if done.returncode != 0:
                tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                failures.append(f"notify.command exited with status {done.returncode}: {tail[0][:200]}")
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            failures.append(f"notify.command could not run: {exc}")
    if webhook:
        request = urllib.request.Request(
            webhook, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read(1024)
        except (OSError, ValueError) as exc:  # URLError, HTTPError and timeouts are OSErrors
            failures.append(f"notify.webhook {webhook} failed: {exc}")
    for failure in failures:
        logger.warning("%s (the crawl's results are kept; only the announcement failed)", failure)
    return failures
