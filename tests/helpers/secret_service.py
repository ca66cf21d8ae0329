"""A real Secret Service (gnome-keyring) on a private D-Bus session bus, for tests and benchmarks.

Nothing touches the user's own keyring or session bus: the bus, HOME and the XDG directories all live
under a given directory, and both daemons are children of this process, stopped by their own pids.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.processes import stop_process

START_TIMEOUT_S = 15.0


def _first_line(proc: subprocess.Popen[str], what: str) -> str:
    """The first line the process prints, waiting at most START_TIMEOUT_S (never a sleep)."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if sel.select(timeout=START_TIMEOUT_S):
            line = proc.stdout.readline().strip()
            if line:
                return line
    raise RuntimeError(f"{what} did not start (exit code {proc.poll()})")


def _wait_for_secrets(env: dict[str, str], keyring_proc: subprocess.Popen[str]) -> None:
    """Until org.freedesktop.secrets answers on the bus (the daemon registers it after starting)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    probe = [
        "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets",
    ]  # fmt: skip
    while time.monotonic() < deadline:
        if keyring_proc.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited ({keyring_proc.returncode})")
        out = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=10, check=False)
        if "boolean true" in out.stdout:
            return
        time.sleep(0.05)  # a bounded poll of another process's start, like the backend's ready wait
    raise RuntimeError("gnome-keyring-daemon did not register org.freedesktop.secrets")


@contextmanager
def private_secret_service(root: Path, password: str = "test") -> Iterator[dict[str, str]]:
    """Starts a session bus and gnome-keyring's secrets component (login keyring created and unlocked
    with `password`) under `root`. Yields the environment to run clients with: DBUS_SESSION_BUS_ADDRESS,
    HOME and XDG_* pointing inside `root`."""
    tools = ("dbus-daemon", "dbus-send", "gnome-keyring-daemon")
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not found (./dev setup installs dbus and gnome-keyring)")
    home = root / "home"
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(root / "run"),
    )
    for d in (env["HOME"], env["XDG_RUNTIME_DIR"]):
        Path(d).mkdir(parents=True, mode=0o700, exist_ok=True)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    daemon: subprocess.Popen[str] | None = None
    try:
        env["DBUS_SESSION_BUS_ADDRESS"] = _first_line(bus, "dbus-daemon")
        # --foreground: the daemon stays this process's child, so it is stopped by its own pid.
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert daemon.stdin is not None
        daemon.stdin.write(password)  # --unlock reads the login keyring's password from stdin
        daemon.stdin.close()
        _wait_for_secrets(env, daemon)
        yield env
    finally:
        if daemon is not None:
            stop_process(daemon)
        stop_process(bus)
