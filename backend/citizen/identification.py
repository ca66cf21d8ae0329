"""Join links, PINs and the PIN exchange. Every step is audited (pin.verified / pin.failed / pin.voided).

The exchange does the same work whether the link is unknown or the PIN is wrong: one link lookup, one
PIN lookup, one HMAC and constant-time comparison, one write transaction with an audit row. The route
then answers failures no sooner than a fixed floor, so timing does not tell them apart either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import audit
from backend.appointments import TERMINAL
from backend.citizen import credentials as cred
from backend.citizen.config import CitizenSettings
from backend.citizen.models import CitizenSession, JoinLink, Pin
from backend.citizen.outbox import enqueue, recent_count
from backend.models import Appointment, utcnow

# Compared against on the unknown-link path so both paths run one HMAC and one comparison.
_NO_APPOINTMENT = "00000000-0000-0000-0000-000000000000"


class SmsLimitReached(Exception):
    pass


@dataclass(frozen=True)
class Exchange:
    ok: bool
    appointment_id: str | None = None
    citizen_token: str = ""


def issue_link(session: Session, appt: Appointment, base_url: str, staff_id: int | None) -> str:
    """A new personal link; older links of the appointment stop working at once."""
    now = utcnow()
    session.execute(
        update(JoinLink)
        .where(JoinLink.appointment_id == appt.id, JoinLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = cred.new_join_token()
    session.add(JoinLink(appointment_id=appt.id, token_hash=cred.token_hash(token), created_at=now))
    url = f"{base_url}/c/{token}"
    body = f"Videoatenció: {url}"
    if appt.citizen_phone:
        enqueue(
            session, appointment_id=appt.id, channel="sms", purpose="link", to=appt.citizen_phone, body=body
        )
    if appt.citizen_email:
        enqueue(
            session, appointment_id=appt.id, channel="email", purpose="link", to=appt.citizen_email, body=body
        )
    audit.append(
        session, "citizen.link_issued", object_type="appointment", object_id=appt.id, actor_staff_id=staff_id
    )
    return url


def issue_pin(session: Session, cfg: CitizenSettings, appt: Appointment, staff_id: int | None) -> None:
    """A new PIN by SMS; voids the previous one. At most cfg.pin_sms_max per window (counted in the DB)."""
    if recent_count(session, appt.id, "pin", cfg.pin_sms_window_s) >= cfg.pin_sms_max:
        raise SmsLimitReached
    now = utcnow()
    session.execute(
        update(Pin)
        .where(Pin.appointment_id == appt.id, Pin.voided_at.is_(None), Pin.used_at.is_(None))
        .values(voided_at=now)
    )
    pin = cred.new_pin()
    session.add(
        Pin(
            appointment_id=appt.id,
            pin_hmac=cred.pin_hmac(cfg.pin_key, appt.id, pin),
            created_at=now,
            valid_from=appt.start - timedelta(seconds=cfg.pin_valid_before_s),
            valid_until=appt.start + timedelta(seconds=cfg.pin_valid_after_s),
        )
    )
    # By SMS (DESIGN.md); by e-mail only when the appointment has no phone number.
    channel, to = ("sms", appt.citizen_phone) if appt.citizen_phone else ("email", appt.citizen_email or "")
    enqueue(
        session,
        appointment_id=appt.id,
        channel=channel,
        purpose="pin",
        to=to,
        body=f"Videoatenció PIN: {pin}",
    )
    audit.append(
        session, "citizen.pin_issued", object_type="appointment", object_id=appt.id, actor_staff_id=staff_id
    )


def exchange(
    session: Session, cfg: CitizenSettings, *, join_token: str, pin: str, client: str, language: str
) -> Exchange:
    """Checks link + PIN in the caller's write transaction. Never says which of the two was wrong."""
    now = utcnow()
    link = session.scalar(
        select(JoinLink).where(
            JoinLink.token_hash == cred.token_hash(join_token), JoinLink.revoked_at.is_(None)
        )
    )
    appt_id = link.appointment_id if link else _NO_APPOINTMENT
    row = session.scalar(
        select(Pin)
        .where(Pin.appointment_id == appt_id, Pin.voided_at.is_(None), Pin.used_at.is_(None))
        .order_by(Pin.id.desc())
        .limit(1)
    )
    given = cred.pin_hmac(cfg.pin_key, appt_id, pin if cred.looks_like_pin(pin) else "")
    matches = cred.same_digest(given, row.pin_hmac if row else "0" * 64)
    appt = session.get(Appointment, appt_id)
    usable = (
        row is not None
        and appt is not None
        and appt.status not in TERMINAL
        and row.valid_from <= now <= row.valid_until
    )
    if row is not None and appt is not None and matches and usable:
        row.used_at = now
        token = cred.new_session_token()
        session.add(
            CitizenSession(
                appointment_id=appt.id,
                token_hash=cred.token_hash(token),
                language=language,
                created_at=now,
                expires_at=now + timedelta(seconds=cfg.session_ttl_s),
            )
        )
        audit.append(
            session,
            "citizen.pin_verified",
            object_type="appointment",
            object_id=appt.id,
            actor_staff_id=None,
            data={"client": client},
        )
        return Exchange(ok=True, appointment_id=appt.id, citizen_token=token)
    if row is None:
        audit.append(
            session,
            "citizen.pin_failed",
            object_type="appointment",
            object_id=link.appointment_id if link else "-",
            actor_staff_id=None,
            data={"client": client, "reason": "no usable pin" if link else "unknown link"},
        )
        return Exchange(ok=False)
    row.attempts += 1
    audit.append(
        session,
        "citizen.pin_failed",
        object_type="appointment",
        object_id=appt_id,
        actor_staff_id=None,
        data={
            "client": client,
            "attempts": row.attempts,
            "reason": "outside window" if matches else "wrong pin",
        },
    )
    if row.attempts >= cfg.pin_max_failures:
        row.voided_at = now
        audit.append(
            session,
            "citizen.pin_voided",
            object_type="appointment",
            object_id=appt_id,
            actor_staff_id=None,
            data={"attempts": row.attempts},
        )
    return Exchange(ok=False)


@dataclass(frozen=True)
class CitizenIdentity:
    session_id: int
    appointment_id: str
    office_id: int
    language: str


def resolve_session(session: Session, token: str) -> CitizenIdentity | None:
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(CitizenSession).where(CitizenSession.token_hash == cred.token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at < utcnow():
        return None
    appt = session.get(Appointment, row.appointment_id)
    if appt is None or appt.status in TERMINAL:
        return None
    return CitizenIdentity(row.id, appt.id, appt.office_id, row.language)
