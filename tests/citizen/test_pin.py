"""PIN exchange: single use, void after 5 wrong tries, brute force bounded, no link-existence oracle."""

from __future__ import annotations

import secrets
import sqlite3
import statistics
import time

import httpx
import pytest

from tests.citizen.conftest import CitizenBackend
from tests.helpers.backend_server import BackendProcess, session_day

INVALID = {"detail": "The link or the PIN is not valid", "code": "invalid_link_or_pin", "errors": []}


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def test_right_pin_opens_a_session_once(citizen_backend: CitizenBackend) -> None:
    c = citizen_backend.prepare()
    r = citizen_backend.session(c)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["citizen_token"]) >= 40
    assert body["appointment"]["office_name"] == "OAC Girona"
    assert set(body["appointment"]) == {"start", "tramit_name", "office_name", "language"}
    again = citizen_backend.session(c)  # single use
    assert (again.status_code, again.json()) == (401, INVALID)


def test_five_wrong_pins_void_it_and_the_right_one_then_fails(citizen_backend: CitizenBackend) -> None:
    c = citizen_backend.prepare()
    for _ in range(5):
        r = citizen_backend.session(c, wrong(c.pin))
        assert (r.status_code, r.json()) == (401, INVALID)
    r = citizen_backend.session(c)
    assert (r.status_code, r.json()) == (401, INVALID)
    with sqlite3.connect(citizen_backend.db_path) as con:
        attempts, voided = con.execute(
            "SELECT attempts, voided_at FROM citizen_pin WHERE appointment_id = ?", (c.appointment_id,)
        ).fetchone()
        actions = [
            a
            for (a,) in con.execute("SELECT action FROM audit_event WHERE object_id = ?", (c.appointment_id,))
        ]
    assert attempts == 5 and voided is not None
    assert actions.count("citizen.pin_failed") == 6 and actions.count("citizen.pin_voided") == 1
    # A new PIN from the office works again.
    assert citizen_backend.issue_pin(c.appointment_id).status_code == 202
    r = citizen_backend.session(c, citizen_backend.latest_pin(c.appointment_id))
    assert r.status_code == 200, r.text


def test_a_pin_in_other_digits_is_refused_plainly_and_costs_no_try(citizen_backend: CitizenBackend) -> None:
    c = citizen_backend.prepare()
    arabic = c.pin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for _ in range(6):  # more than the 5 tries a PIN allows
        r = citizen_backend.session(c, arabic)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    with sqlite3.connect(citizen_backend.db_path) as con:
        (attempts,) = con.execute(
            "SELECT attempts FROM citizen_pin WHERE appointment_id = ?", (c.appointment_id,)
        ).fetchone()
    assert attempts == 0
    assert citizen_backend.session(c).status_code == 200  # the same PIN in 0-9 still works


def test_a_new_pin_voids_the_old_one_and_a_new_link_the_old_link(citizen_backend: CitizenBackend) -> None:
    c = citizen_backend.prepare()
    assert citizen_backend.issue_pin(c.appointment_id).status_code == 202
    assert citizen_backend.session(c).status_code == 401  # old PIN
    new_pin = citizen_backend.latest_pin(c.appointment_id)
    citizen_backend.issue_link(c.appointment_id)  # old link stops working
    r = citizen_backend.session(c, new_pin)
    assert (r.status_code, r.json()) == (401, INVALID)


def test_pin_only_valid_around_the_appointment(citizen_backend: CitizenBackend) -> None:
    c = citizen_backend.prepare(start_in_min=120)  # window opens 30 min before the start
    assert citizen_backend.session(c).status_code == 401
    d = citizen_backend.prepare(start_in_min=-61)  # closed 60 min after
    assert citizen_backend.session(d).status_code == 401


def test_pin_sms_limited_to_three_per_ten_minutes(citizen_backend: CitizenBackend) -> None:
    appt_id, _ = citizen_backend.appointment()
    codes = [citizen_backend.issue_pin(appt_id).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    r = citizen_backend.issue_pin(appt_id)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited" and "3 PIN" in r.json()["detail"]
    assert len([m for m in citizen_backend.outbox(appt_id) if m["purpose"] == "pin"]) == 3


def test_pin_routes_are_scoped_to_the_office(citizen_backend: CitizenBackend) -> None:
    appt_id, _ = citizen_backend.appointment("marta")
    for path in ("link", "pin"):
        r = httpx.post(
            f"{citizen_backend.api}/appointments/{appt_id}/{path}", headers=citizen_backend.headers("pau")
        )
        assert r.status_code == 404, r.text
    r = httpx.get(f"{citizen_backend.api}/admin/outbox", headers=citizen_backend.headers("marta"))
    assert r.status_code == 403


def test_unknown_link_and_wrong_pin_look_the_same(citizen_backend: CitizenBackend) -> None:
    """Same status and bytes; medians of the response times within a few ms (failure floor)."""
    wrong_times: list[float] = []
    unknown_times: list[float] = []
    bodies: set[tuple[int, bytes]] = set()
    with httpx.Client(timeout=10) as http:

        def timed(token: str, pin: str) -> float:
            t0 = time.perf_counter()
            r = http.post(f"{citizen_backend.api}/citizen/session", json={"join_token": token, "pin": pin})
            elapsed = time.perf_counter() - t0
            bodies.add((r.status_code, r.content))
            return elapsed

        for user in ("marta", "pau", "jordi", "nerea"):
            c = citizen_backend.prepare(user)
            for _ in range(4):  # stays under the 5-try void, so every sample is the wrong-PIN path
                wrong_times.append(timed(c.join_token, wrong(c.pin)))
                unknown_times.append(timed(secrets.token_urlsafe(24), wrong(c.pin)))
    assert len(bodies) == 1, bodies
    status, body = bodies.pop()
    assert status == 401 and httpx.Response(401, content=body).json() == INVALID
    med_wrong, med_unknown = statistics.median(wrong_times), statistics.median(unknown_times)
    print(
        f"\nmedian wrong PIN {med_wrong * 1000:.1f} ms, unknown link {med_unknown * 1000:.1f} ms,"
        f" n={len(wrong_times)}"
    )
    assert abs(med_wrong - med_unknown) < 0.02, (med_wrong, med_unknown)


@pytest.fixture
def default_limits_backend(tmp_path) -> BackendProcess:  # type: ignore[no-untyped-def]
    server = BackendProcess(tmp_path / "b", session_day())
    server.start()
    yield server
    server.stop()


def test_ten_thousand_guesses_never_succeed(tmp_path, default_limits_backend: BackendProcess) -> None:  # type: ignore[no-untyped-def]
    """The limits stop a brute force long before the PIN space matters: at most 5 guesses are ever
    checked against the PIN, the address is throttled after 20, and the right PIN then fails too."""
    cb = CitizenBackend(default_limits_backend)
    c = cb.prepare()
    outcomes: dict[int, int] = {}
    t0 = time.monotonic()
    with httpx.Client(timeout=10) as http:
        for guess in range(10_000):
            pin = f"{guess:06d}"
            if pin == c.pin:
                pin = f"{(guess + 1) % 10_000:06d}"  # every guess wrong; the right one is tried below
            r = http.post(f"{cb.api}/citizen/session", json={"join_token": c.join_token, "pin": pin})
            outcomes[r.status_code] = outcomes.get(r.status_code, 0) + 1
        final = http.post(f"{cb.api}/citizen/session", json={"join_token": c.join_token, "pin": c.pin})
    print(f"\n10,000 guesses in {time.monotonic() - t0:.1f} s: {outcomes}")
    assert 200 not in outcomes
    assert outcomes.get(401, 0) <= 20 and outcomes[429] >= 9_980
    assert final.status_code in (401, 429)
    with sqlite3.connect(cb.db_path) as con:
        (attempts,) = con.execute(
            "SELECT attempts FROM citizen_pin WHERE appointment_id = ?", (c.appointment_id,)
        ).fetchone()
    assert attempts == 5  # only five guesses were ever compared with the PIN


def test_ip_limit_answers_429_with_retry_after(default_limits_backend: BackendProcess) -> None:
    api = default_limits_backend.api
    codes = [
        httpx.post(
            f"{api}/citizen/session", json={"join_token": secrets.token_urlsafe(24), "pin": "123456"}
        ).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    r = httpx.post(f"{api}/citizen/session", json={"join_token": "x" * 32, "pin": "123456"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and r.json()["code"] == "rate_limited"


def test_malformed_session_requests_are_4xx(citizen_backend: CitizenBackend) -> None:
    api = citizen_backend.api
    for body in (
        {},
        {"join_token": "a"},
        {"join_token": "a" * 500, "pin": "1"},
        {"join_token": "a", "pin": "1", "x": 1},
        {"join_token": "a", "pin": "123456", "language": "fr"},
        {"join_token": "a", "pin": "12345"},
        {"join_token": "a", "pin": "1234567"},
        {"join_token": "a", "pin": "١٢٣٤٥٦"},  # Arabic-Indic digits
        {"join_token": "a", "pin": "۱۲۳۴۵۶"},  # Eastern Arabic-Indic (Urdu) digits
        {"join_token": "a", "pin": "１２３４５６"},  # full-width digits
        {"join_token": "a", "pin": "12 456"},
    ):
        r = httpx.post(f"{api}/citizen/session", json=body)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", (body, r.text)
    r = httpx.post(
        f"{api}/citizen/session", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
