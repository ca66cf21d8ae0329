"""Supervisor board update latency under a busy pool (500 informadors, 200 waiting citizens).

What is measured: from the REST call that causes a change (an informador's presence PUT, a kiosk
ticket) to the change being visible in the supervisor's board model in the real console service
(console/services/supervisor.py SupervisorService fed by console/sync/events.py EventStream, on a
qasync loop in this process, like the console). Presence changes are applied to one row from the push;
walk-ins are visible once the coalesced board re-read (150 ms timer + GET /supervisor/board) lists them.

Load (a separate process, so the generator does not share this process's GIL with the console): every
simulated informador heartbeats every 20 s (no change: no event) and changes state every 30-60 s;
kiosks create walk-in tickets every ~10 s across the offices; all rates multiplied by --speedup to
compress a busy stretch into a measurable window. Latency counts from when each request was due (open
loop, benchmarks/loadgen.py), so a stalled server cannot hide. The 500 informadors and 200 waiting
walk-ins are seeded directly in the database; their access tokens are minted with the backend's JWT
secret instead of 500 Argon2 logins.

Anchor, same run and same process: the same round trips one at a time on the otherwise idle backend.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import cpu_seconds, percentile, start_backend

HEARTBEAT_S = 20.0
STATES = ("available", "in_call", "wrap_up", "away")


# -- seeding -------------------------------------------------------------------------------------------


def seed(db_url: str, informadors: int, walkins: int, secret: str) -> list[tuple[int, str]]:
    """Adds informadors (with presence rows) and waiting walk-ins; returns (staff id, access token)."""
    from sqlalchemy import select

    from backend.db import Database
    from backend.models import Appointment, Office, Staff, Tramit, utcnow
    from backend.pool.models import CallRecord, Presence, WalkIn
    from backend.security import AccessClaims, issue_access_token

    db = Database(db_url)
    rng = random.Random(7)
    now = utcnow()
    out: list[tuple[int, str]] = []
    try:
        with db.write() as s:
            offices = list(s.scalars(select(Office).order_by(Office.id)))
            tramit = s.scalars(select(Tramit.code).order_by(Tramit.code)).first()
            assert tramit is not None
            staff = []
            for i in range(informadors):
                office = offices[i % len(offices)]
                st = Staff(
                    username=f"bench-{i:04d}",
                    full_name=f"Informador {i:04d}",
                    role="informador",
                    office_id=office.id,
                    password_hash="!",  # cannot log in: the benchmark mints its tokens
                    languages=["ca", "es"],
                    skills=[],
                    active=True,
                )
                s.add(st)
                staff.append(st)
            s.flush()
            for st in staff:
                # All available: the generator knows every starting state, so each change is a real one.
                s.add(Presence(staff_id=st.id, state="available", since=now, updated_at=now))
            for i in range(walkins):
                office = offices[i % len(offices)]
                since = now - timedelta(seconds=rng.randint(10, 900))
                appt = Appointment(
                    id=str(uuid.uuid4()), office_id=office.id, staff_id=None, pool=True, tramit_code=tramit,
                    level="informativa", start=since, duration_min=20, citizen_name=f"Kiosk B{i:03d}",
                    citizen_phone="", citizen_email=None, language=rng.choice(["ca", "es"]),
                    status="waiting", version=1, created_at=since, updated_at=since,
                )  # fmt: skip
                s.add(appt)
                s.flush()
                s.add(WalkIn(office_id=office.id, number=500 + i, language=appt.language,
                             tramit_code=tramit, appointment_id=appt.id, status="waiting",
                             created_at=since))  # fmt: skip
                s.add(CallRecord(appointment_id=appt.id, office_id=office.id, tramit_code=tramit,
                                 walk_in=True, waiting_since=since, identification_failures=0,
                                 interpreter=False))  # fmt: skip
            for st in staff:
                claims = AccessClaims(staff_id=st.id, role="informador", office_id=st.office_id)
                out.append((st.id, issue_access_token(secret, claims, 3600)))
    finally:
        db.engine.dispose()
    return out


# -- load generator (child process) ---------------------------------------------------------------------


async def _generate(plan: dict[str, Any]) -> list[dict[str, Any]]:
    from benchmarks.loadgen import _Conn

    parts = urlsplit(plan["url"])
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    rng = random.Random(11)
    speed, seconds = float(plan["speedup"]), float(plan["seconds"])
    schedule: list[tuple[float, str, dict[str, Any]]] = []
    for staff_id, token in plan["staff"]:
        t = rng.uniform(0, HEARTBEAT_S / speed)
        while t < seconds:
            schedule.append((t, "heartbeat", {"staff_id": staff_id, "token": token}))
            t += HEARTBEAT_S / speed
        t = rng.uniform(0, 60 / speed)
        while t < seconds:
            schedule.append((t, "state", {"staff_id": staff_id, "token": token}))
            t += rng.uniform(30, 60) / speed
    t = rng.uniform(0, 10 / speed)
    while t < seconds:
        schedule.append((t, "walkin", {"kiosk": rng.choice(plan["kiosks"])}))
        t += rng.expovariate(1 / 10) / speed
    schedule.sort(key=lambda x: x[0])
    states: dict[int, str] = {}
    idle: list[_Conn] = []
    records: list[dict[str, Any]] = []
    pending: set[asyncio.Task[None]] = set()

    def raw(method: str, path: str, body: dict[str, Any], token: str | None) -> bytes:
        data = json.dumps(body).encode()
        head = [f"{method} {parts.path}/api/v1{path} HTTP/1.1", f"Host: {host}:{port}",
                "Connection: keep-alive", "Content-Type: application/json",
                f"Content-Length: {len(data)}"]  # fmt: skip
        if token:
            head.append(f"Authorization: Bearer {token}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + data

    async def one(due: float, kind: str, req: bytes, key: Any) -> None:
        conn = idle.pop() if idle else _Conn(*await asyncio.open_connection(host, port))
        try:
            status = await conn.request(req)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            records.append({"kind": kind, "key": key, "due": due, "status": 0})
            conn.writer.close()
            return
        records.append({"kind": kind, "key": key, "due": due, "status": status, "done": time.monotonic()})
        idle.append(conn)

    async def walkin(due: float, kiosk: str) -> None:
        # The ticket id is only known from the answer: the console side matches it by id.
        conn = idle.pop() if idle else _Conn(*await asyncio.open_connection(host, port))
        body = {"language": "ca", "tramit_code": plan["tramit"]}
        try:
            conn.writer.write(raw("POST", f"/kiosk/{kiosk}/tickets", body, None))
            status_line = await conn.reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while (line := await conn.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            payload = json.loads(await conn.reader.readexactly(length)) if length else {}
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            conn.writer.close()
            records.append({"kind": "walkin", "key": None, "due": due, "status": 0})
            return
        ticket_id = str((payload.get("ticket") or {}).get("id", ""))
        records.append({"kind": "walkin", "key": ticket_id, "due": due, "status": status})
        idle.append(conn)

    t0 = time.monotonic() + 0.5
    for offset, kind, info in schedule:
        due = t0 + offset
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "walkin":
            task = asyncio.create_task(walkin(due, info["kiosk"]))
        else:
            sid = int(info["staff_id"])
            if kind == "state":
                states[sid] = rng.choice([s for s in STATES if s != states.get(sid, "available")])
            state = states.get(sid, "available")
            req = raw("PUT", "/presence", {"state": state}, info["token"])
            task = asyncio.create_task(one(due, kind, req, [sid, state] if kind == "state" else None))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=60)
    for conn in idle:
        conn.writer.close()
    return records


def generator_main(plan_path: str, out_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    records = asyncio.run(_generate(plan))
    Path(out_path).write_text(json.dumps(records))


# -- the supervisor's console -------------------------------------------------------------------------------


@dataclass
class Observed:
    presence: list[tuple[int, str, float]] = field(default_factory=list)  # (staff, state, visible at)
    walkins: dict[str, float] = field(default_factory=dict)  # ticket id → first visible at
    events: int = 0
    connects: list[bool] = field(default_factory=list)
    reloads: int = 0


def _latencies(sent: list[dict[str, Any]], seen: Observed) -> tuple[list[float], list[float], int]:
    """(presence ms, walk-in ms, changes never seen) matched by (staff, state) after the due time."""
    by_key: dict[tuple[int, str], list[float]] = {}
    for sid, state, t in seen.presence:
        by_key.setdefault((sid, state), []).append(t)
    pres: list[float] = []
    walk: list[float] = []
    lost = 0
    for r in sent:
        if r["status"] not in (200, 201) or r["key"] is None:
            continue
        if r["kind"] == "state":
            times = [t for t in by_key.get((r["key"][0], r["key"][1]), []) if t >= r["due"]]
            if times:
                pres.append((min(times) - r["due"]) * 1000)
            else:
                lost += 1
        elif r["kind"] == "walkin":
            shown = seen.walkins.get(r["key"])
            if shown is not None:
                walk.append((shown - r["due"]) * 1000)
            else:
                lost += 1
    return pres, walk, lost


async def _run(args: argparse.Namespace, url: str, db_url: str, secret: str, tmp: Path) -> None:
    import httpx

    from backend.pool.seed import demo_kiosk_token
    from console.services.supervisor import SupervisorService
    from console.sync.api import BackendApi
    from console.sync.events import EventStream, ServerEvent
    from console.sync.pool_api import PoolApi

    staff = seed(db_url, args.informadors, args.walkins, secret)
    api = BackendApi(base_url=url)
    await api.login("laia", "demo")
    sup = SupervisorService(PoolApi(api))
    seen = Observed()
    waiters: list[tuple[Any, asyncio.Future[float]]] = []
    loop = asyncio.get_running_loop()

    def check_waiters() -> None:
        for cond, fut in list(waiters):
            if not fut.done() and cond():
                fut.set_result(time.monotonic())

    def on_presence(staff_id: int) -> None:
        r = sup.informadors.row_of(staff_id) if hasattr(sup.informadors, "row_of") else None
        row = sup.informadors.row(r) if r is not None else None
        if row is not None:
            seen.presence.append((staff_id, str(row["state"]), time.monotonic()))
        check_waiters()

    def on_board(_board: dict[str, Any]) -> None:
        seen.reloads += 1
        now = time.monotonic()
        for row in sup.waiting.rows():
            if row.get("kind") == "walkin":
                seen.walkins.setdefault(str(row["id"]), now)
        check_waiters()

    def on_event(event: ServerEvent) -> None:
        seen.events += 1
        sup.on_server_event(event)

    sup.presence_applied.connect(on_presence)
    sup.board_loaded.connect(on_board)
    await sup.load_board()
    rows_informadors, rows_waiting = sup.informadors.rowCount(), sup.waiting.rowCount()
    connected = loop.create_future()

    def on_connected(ok: bool) -> None:
        seen.connects.append(ok)
        if ok and not connected.done():
            connected.set_result(True)

    stream = EventStream(api, loop, on_event=on_event, on_connected=on_connected)
    stream.start()
    await asyncio.wait_for(connected, 10)
    first = {"Authorization": f"Bearer {staff[0][1]}"}
    tramits = await loop.run_in_executor(None, lambda: httpx.get(f"{url}/api/v1/tramits", headers=first))
    tramit = tramits.json()[0]["code"]
    kiosks = [demo_kiosk_token(c) for c in ("GIR", "EBR", "BCN", "VIT")]

    async def until(cond: Any, within_s: float = 10.0) -> float:
        fut: asyncio.Future[float] = loop.create_future()
        waiters.append((cond, fut))
        try:
            return await asyncio.wait_for(fut, within_s)
        finally:
            waiters.remove((cond, fut))

    # Anchor: one change at a time on the idle backend, same client, same path.
    anchor_p: list[float] = []
    anchor_w: list[float] = []
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as http:
        sid, token = staff[0]
        auth = {"Authorization": f"Bearer {token}"}
        ticket = {"language": "ca", "tramit_code": tramit}
        for i in range(args.anchor):
            state = ("away", "available")[i % 2]  # everyone starts available: each one is a change
            t0 = time.monotonic()
            waiting_for = until(lambda s=state, t=t0: _state(sup, sid) == s and _state_seen(seen, sid, s, t))
            task = asyncio.ensure_future(waiting_for)
            await loop.run_in_executor(
                None,
                lambda s=state: http.put("/presence", json={"state": s}, headers=auth),  # type: ignore[misc]
            )
            anchor_p.append((await task - t0) * 1000)
        for i in range(max(3, args.anchor // 4)):
            t0 = time.monotonic()
            created = await loop.run_in_executor(
                None,
                lambda k=kiosks[i % 4]: http.post(f"/kiosk/{k}/tickets", json=ticket),  # type: ignore[misc]
            )
            tid = str(created.json()["ticket"]["id"])
            await until(lambda t=tid: t in seen.walkins)
            anchor_w.append((seen.walkins[tid] - t0) * 1000)
    seen.presence.clear()

    plan = {"url": url, "staff": staff, "kiosks": kiosks, "tramit": tramit,
            "seconds": args.seconds, "speedup": args.speedup}  # fmt: skip
    plan_path, out_path = tmp / "plan.json", tmp / "sent.json"
    plan_path.write_text(json.dumps(plan))
    load_before = os.getloadavg()
    gen = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.board", "--generate", str(plan_path), str(out_path)
    )
    await gen.wait()
    # Let the last changes arrive (bounded), then stop reading.
    sent: list[dict[str, Any]] = json.loads(out_path.read_text())
    with contextlib.suppress(TimeoutError):  # what did not arrive is reported as "never seen"
        await until(lambda: _latencies(sent, seen)[2] == 0, 10)
    load_after = os.getloadavg()
    stream.stop()
    pres, walk, lost = _latencies(sent, seen)
    statuses: dict[str, int] = {}
    for r in sent:
        statuses[f"{r['kind']}:{r['status']}"] = statuses.get(f"{r['kind']}:{r['status']}", 0) + 1
    _print(args, rows_informadors, rows_waiting, anchor_p, anchor_w, pres, walk, lost, sent, statuses, seen,
           load_before, load_after)  # fmt: skip


def _state(sup: Any, staff_id: int) -> str | None:
    r = sup.informadors.row_of(staff_id) if hasattr(sup.informadors, "row_of") else None
    return str(sup.informadors.row(r)["state"]) if r is not None else None


def _state_seen(seen: Observed, sid: int, state: str, since: float) -> bool:
    return any(s == sid and st == state and t >= since for s, st, t in seen.presence[-5:])


def _row(name: str, xs: list[float]) -> str:
    mx = max(xs) if xs else float("nan")
    return (f"| {name:<58} | {len(xs):>6} | {percentile(xs, 0.5):>7.1f} | {percentile(xs, 0.99):>7.1f} "
            f"| {mx:>8.1f} |")  # fmt: skip


def _print(  # noqa: PLR0917 - one table, printed once
    args: argparse.Namespace, n_inf: int, n_wait: int, anchor_p: list[float], anchor_w: list[float],
           pres: list[float], walk: list[float], lost: int, sent: list[dict[str, Any]],
           statuses: dict[str, int], seen: Observed, la0: tuple[float, float, float],
           la1: tuple[float, float, float]) -> None:  # fmt: skip
    hb = sum(1 for r in sent if r["kind"] == "heartbeat")
    print(
        f"board: {n_inf} informador rows, {n_wait} waiting rows at start; load {args.seconds:.0f} s at "
        f"{args.speedup:g}x realistic rates: {hb / args.seconds:.1f} heartbeats/s, "
        f"{sum(1 for r in sent if r['kind'] == 'state') / args.seconds:.1f} state changes/s, "
        f"{sum(1 for r in sent if r['kind'] == 'walkin') / args.seconds:.2f} walk-ins/s"
    )
    print("latency: REST call due → change visible in the supervisor's SupervisorService models (real")
    print("console service + EventStream on a qasync loop); walk-ins include the 150 ms coalescing + re-read")
    header = ("round trip", "n", "p50 ms", "p99 ms", "max ms")
    print(f"| {header[0]:<58} | {header[1]:>6} | {header[2]:>7} | {header[3]:>7} | {header[4]:>8} |")
    print(f"|{'-' * 60}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    print(_row("anchor: one presence change, idle backend", anchor_p))
    print(_row("anchor: one walk-in ticket, idle backend", anchor_w))
    print(_row("under load: presence state change → board row", pres))
    print(_row("under load: walk-in ticket → waiting list", walk))
    print(f"SSE connection changes: {seen.connects}")
    print(f"changes never seen: {lost}; SSE events read: {seen.events}; board re-reads: {seen.reloads}; "
          f"responses: {dict(sorted(statuses.items()))}")  # fmt: skip
    print(f"load average before/after the load: {la0[0]:.2f}/{la1[0]:.2f} (1 min), {os.cpu_count()} CPUs "
          "shared with other work on this machine")  # fmt: skip


def main(argv: list[str]) -> None:
    if argv[:1] == ["--generate"]:
        generator_main(argv[1], argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--informadors", type=int, default=500)
    parser.add_argument("--walkins", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--speedup", type=float, default=2.0, help="multiplies every realistic rate")
    parser.add_argument("--anchor", type=int, default=20, help="single changes for the anchor row")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import psutil
    import qasync
    from PyQt6.QtWidgets import QApplication

    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "VIDEOATENCIO_JWT_SECRET": secret, "VIDEOATENCIO_DATA_DIR": str(tmp)}
        proc, url = start_backend(tmp, None, 1, env)
        backend = psutil.Process(proc.pid)
        try:
            app = QApplication.instance() or QApplication(["board-bench"])
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            cpu0 = cpu_seconds([backend])
            with loop:
                loop.run_until_complete(_run(args, url, f"sqlite:///{tmp / 'bench.db'}", secret, tmp))
            print(f"backend CPU over the whole run: {cpu_seconds([backend]) - cpu0:.1f} s")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main(sys.argv[1:])
