"""Translated names for the backend's codes (statuses, levels, outcomes, languages)."""

from __future__ import annotations

from console.i18n import N_, _

STATUS_NAMES = {
    "scheduled": N_("Scheduled"),
    "confirmed": N_("Confirmed"),
    "waiting": N_("Waiting"),
    "in_call": N_("In call"),
    "completed": N_("Completed"),
    "no_show": N_("No-show"),
    "cancelled": N_("Cancelled"),
}

# The verb on the button that moves an appointment to that status.
STATUS_ACTIONS = {
    "scheduled": N_("Back to scheduled"),
    "confirmed": N_("Confirm"),
    "waiting": N_("Citizen waiting"),
    "in_call": N_("Start call"),
    "completed": N_("Complete"),
    "no_show": N_("No-show"),
    "cancelled": N_("Cancel appointment"),
}

LEVEL_NAMES = {
    "informativa": N_("Information"),
    "assistida": N_("Assisted procedure"),
    "atesa": N_("Procedure on behalf"),
}

OUTCOME_NAMES = {
    "resolved": N_("Resolved"),
    "pending_documents": N_("Pending documents"),
    "referred": N_("Referred"),
    "unresolved": N_("Unresolved"),
}

LANGUAGE_NAMES = {
    "ca": N_("Catalan"),
    "es": N_("Spanish"),
    "eu": N_("Basque"),
    "en": N_("English"),
    "fr": N_("French"),
    "ar": N_("Arabic"),
    "ur": N_("Urdu"),
}


def status_name(code: str) -> str:
    return _(STATUS_NAMES[code]) if code in STATUS_NAMES else code


def status_action(code: str) -> str:
    return _(STATUS_ACTIONS[code]) if code in STATUS_ACTIONS else code


def level_name(code: str) -> str:
    return _(LEVEL_NAMES[code]) if code in LEVEL_NAMES else code


def outcome_name(code: str) -> str:
    return _(OUTCOME_NAMES[code]) if code in OUTCOME_NAMES else code


def language_name(code: str) -> str:
    return _(LANGUAGE_NAMES[code]) if code in LANGUAGE_NAMES else code
