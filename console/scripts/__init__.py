"""Call scripts and the identification checklist: Qt-free, for the checklist panel and the backend.

    script = load_script("atesa", tramit_code)                       # resources/scripts/*.toml
    engine = ChecklistEngine.start(script, appointment, context, clock)
    engine.tick("identification.document", staff_id, {...})          # → ChecklistEvent
    engine.gate_status("attended_mode", "ca")                        # → GateStatus(allowed, reasons)

See README.md in this folder for the script file format and the event contract.
"""

from console.scripts.engine import ChecklistEngine, ChecklistError
from console.scripts.evidence import EvidenceError
from console.scripts.gates import GateStatus
from console.scripts.identity import IdentityError
from console.scripts.loader import ScriptError, check_all, load_script, load_script_by_id
from console.scripts.messages import LocalizedError
from console.scripts.model import (
    AttentionLevel,
    CallScript,
    ConsentType,
    DocumentType,
    Fact,
    Gate,
    IdentificationLevel,
    ItemKind,
    RecordingPolicy,
    ScriptContext,
    ScriptItem,
    ScriptSection,
    StaffRole,
)
from console.scripts.run import (
    Action,
    AppointmentFacts,
    ChecklistEvent,
    ChecklistRun,
    ItemRecord,
    ItemState,
    RunError,
)
from console.scripts.texts import Language, LocalizedText, ResolvedText

__all__ = [
    "Action",
    "AppointmentFacts",
    "AttentionLevel",
    "CallScript",
    "ChecklistEngine",
    "ChecklistError",
    "ChecklistEvent",
    "ChecklistRun",
    "ConsentType",
    "DocumentType",
    "EvidenceError",
    "Fact",
    "Gate",
    "GateStatus",
    "IdentificationLevel",
    "IdentityError",
    "ItemKind",
    "ItemRecord",
    "ItemState",
    "Language",
    "LocalizedError",
    "LocalizedText",
    "RecordingPolicy",
    "ResolvedText",
    "RunError",
    "ScriptContext",
    "ScriptError",
    "ScriptItem",
    "ScriptSection",
    "StaffRole",
    "check_all",
    "load_script",
    "load_script_by_id",
]
