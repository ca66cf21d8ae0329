"""Where a signed tràmit goes once the backend has given it a registry number.

`RecordingConnector` (the default) only records it here: the backend's own register is the system of
record. `HttpConnector` hands it to an external tramitation system as JSON, the documents' contents
included (base64; each file is at most the upload limit). Choose with
VIDEOATENCIO_SUBMISSION_CONNECTOR=recording|http (+ _SUBMISSION_URL, _SUBMISSION_KEY).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from backend.config import ENV_PREFIX


class ConnectorError(Exception):
    pass


class DocumentUnavailable(ConnectorError):
    """A document's file could not be read or no longer matches its signed hash: nothing was sent."""


@dataclass(frozen=True)
class Submission:
    registry_number: str
    tramitacio_id: str
    appointment_id: str
    office_code: str
    tramit_code: str
    level: str
    language: str
    form: dict[str, Any]
    documents: list[dict[str, Any]]  # id, name, sha256, size, content_type
    bound_hash: str
    signed_at: str
    submitted_by_staff_id: int | None
    # Where each document's file is (document id -> path); never sent, only read by connectors that
    # carry the contents.
    document_paths: Mapping[str, Path] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["document_paths"]
        return out

    def to_json_with_contents(self) -> dict[str, Any]:
        """to_json() with each document's bytes as content_b64, checked against the signed sha256: what
        leaves is exactly what the citizen signed (a file changed on disk raises ConnectorError)."""
        out = self.to_json()
        for doc in out["documents"]:
            path = self.document_paths.get(str(doc["id"]))
            try:
                data = path.read_bytes() if path is not None else None
            except OSError:
                data = None
            if data is None:
                raise DocumentUnavailable(f"the file of document {doc['id']} cannot be read")
            if hashlib.sha256(data).hexdigest() != doc["sha256"]:
                raise DocumentUnavailable(f"document {doc['id']}: the file no longer matches the signed hash")
            doc["content_b64"] = base64.b64encode(data).decode("ascii")
        return out


class SubmissionConnector(Protocol):
    name: str

    def submit(self, submission: Submission) -> dict[str, Any]:
        """Returns what the receiving system answered (kept as the connector result); raises
        ConnectorError when it refused or could not be reached (the tràmit stays signed, retryable)."""
        ...


class RecordingConnector:
    name = "recording"

    def submit(self, submission: Submission) -> dict[str, Any]:
        return {"connector": self.name, "accepted": True, "reference": submission.registry_number}


class HttpConnector:
    """POSTs the submission as JSON with a bearer key; any 2xx is accepted. The registry number is the
    Idempotency-Key, so a retry after a lost answer cannot file the tràmit twice on a careful server.
    Each document carries its bytes as content_b64; the answer's "reference" (the external system's own
    number, if any) is kept and printed on the receipt, which is made only after this returns."""

    name = "http"

    def __init__(self, url: str, key: str = "", timeout_s: float = 15.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the submission connector URL must be http(s)")
        self.url, self.key, self.timeout_s = url, key, timeout_s

    def submit(self, submission: Submission) -> dict[str, Any]:
        body = json.dumps(submission.to_json_with_contents(), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"videoatencio-{submission.registry_number}",
        }
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        req = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                status, raw = resp.status, resp.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            raise ConnectorError(f"the tramitation system answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectorError(f"the tramitation system is unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise ConnectorError(f"the tramitation system answered HTTP {status}")
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        reference = answer.get("reference") if isinstance(answer, dict) else None
        if reference is not None:
            reference = str(reference)[:80]  # printed on the receipt: bounded
        return {"connector": self.name, "accepted": True, "status": status, "reference": reference}


def make_connector() -> SubmissionConnector:
    kind = os.environ.get(ENV_PREFIX + "SUBMISSION_CONNECTOR", "recording").strip() or "recording"
    if kind == "recording":
        return RecordingConnector()
    if kind == "http":
        return HttpConnector(
            os.environ.get(ENV_PREFIX + "SUBMISSION_URL", "").strip(),
            os.environ.get(ENV_PREFIX + "SUBMISSION_KEY", "").strip(),
        )
    raise ValueError(f"unknown submission connector {kind!r} (use 'recording' or 'http')")
