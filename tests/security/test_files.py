"""Files at rest (hardening issue): the catalog (password hashes, API-key digests, encrypted secrets)
and the inbox (every payload received) are owner-only, like ``secrets.json``: database, WAL and
shared-memory files 0600 in a 0700 data directory, also when the process runs with umask 0 (SQLite
gives the WAL and shared-memory files the database file's mode). A data directory an older Lily left
0755 with 0644 databases is fixed when ``lily serve`` starts, with a log line per file.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import time
from pathlib import Path

import httpx

from tests.support.live import LiveLily

# What lily serve keeps in its data directory (the WAL and shared-memory files exist while it runs).
DATABASES = ["lily.db", "lily.db-wal", "lily.db-shm", "lily.inbox.db", "lily.inbox.db-wal", "lily.inbox.db-shm"]
PRIVATE = ["secrets.json", "admin-credentials.json", "lily.inbox.db.gate", "lily.inbox.db.intent"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def lily_files(data: Path) -> dict[str, int]:
    """Every file and directory Lily keeps directly in the data directory and its owner locks."""
    out = {".": mode(data)}
    owners = data / "lily.inbox.db.owners"
    for path in [*data.iterdir(), *(owners.iterdir() if owners.is_dir() else [])]:
        name = str(path.relative_to(data))
        if name != "serve.log" and not name.startswith("lake"):  # the test's log; the lake's data files
            out[name] = mode(path)
    return out


def apply_one_event(lily: LiveLily, data: Path) -> None:
    """Something through the inbox and the worker, so every file exists."""
    key = json.loads((data / "admin-credentials.json").read_text())["api_key"]
    event = [{"event_id": "e1", "event_type": "asset.created", "timestamp": "2026-01-05T10:00:00Z",
              "source": "files", "tenant_id": "default",
              "payload": {"asset_id": "postgres://db:5432/files.t1", "asset_type": "table"}}]
    resp = httpx.post(f"{lily.url}/api/v1/events", json=event, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert resp.status_code == 202, resp.text
    event_id = resp.json()["events"][0]["id"]
    for _ in range(300):
        got = httpx.get(f"{lily.url}/api/v1/events/{event_id}", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        if got.json()["status"] == "applied":
            return
        time.sleep(0.05)
    raise AssertionError("the event was not applied")


def test_a_fresh_data_directory_is_private_even_with_umask_0(tmp_path: Path) -> None:
    data = tmp_path / "fresh"  # does not exist: lily serve creates it
    lily = LiveLily(tmp_path, env={"LILY_DATA_DIR": str(data), "LILY_WORKERS_IN_PROCESS": "false"})
    # umask 0: whatever the process creates would be world-readable unless Lily sets the mode itself.
    lily.args = [sys.executable, "-c", "import os, sys; os.umask(0); sys.argv = ['lily', 'serve']; "
                 "from lily.cli import main; main()"]
    with lily:
        apply_one_event(lily, data)
        files = lily_files(data)
    for name in DATABASES + PRIVATE:
        assert files.get(name) == 0o600, (name, oct(files.get(name, 0)), files)
    assert files["."] == 0o700
    assert files["lily.inbox.db.owners"] == 0o700
    wider = {name: oct(m) for name, m in files.items() if m & 0o077}
    assert wider == {}, f"readable by others: {wider}"
    assert "file_permissions_fixed" not in lily.log_text()  # nothing to fix: created private


def test_an_old_install_is_fixed_on_start_with_a_log_line(tmp_path: Path) -> None:
    data = tmp_path
    env = {"LILY_WORKERS_IN_PROCESS": "false"}
    with LiveLily(data, env=env) as lily:
        apply_one_event(lily, data)
        assert lily.proc is not None
        # Killed, so the WAL and shared-memory files stay behind as after a crash of an older Lily.
        lily.proc.send_signal(signal.SIGKILL)
        lily.proc.wait(10)
    # What an older Lily left: 0644 databases (its WAL and shm too) in a 0755 directory.
    old = [name for name in DATABASES if (data / name).exists()]
    assert {"lily.db", "lily.db-wal", "lily.inbox.db", "lily.inbox.db-wal"} <= set(old)
    for name in old:
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)
    mark = lily.log_path.stat().st_size
    with LiveLily(data, env=env) as again:
        apply_one_event(again, data)
        files = lily_files(data)
        log = again.log_text()[mark:]
    for name in DATABASES:
        assert files.get(name) == 0o600, (name, oct(files.get(name, 0)))
    assert files["."] == 0o700
    fixed = {}
    for line in log.splitlines():
        if line.startswith("{") and '"file_permissions_fixed"' in line:
            record = json.loads(line)
            fixed[Path(record["path"]).name or "."] = (record["was"], record["now"])
    # One line per file fixed (the data directory, each database file), saying what it was.
    assert fixed.get(data.name) == ("0755", "0700"), fixed
    for name in old:
        assert fixed.get(name) == ("0644", "0600"), (name, fixed)
