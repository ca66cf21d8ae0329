"""Languages and multilingual texts with an explicit fallback chain.

Scripts must carry every text in the four console languages (ca, es, eu, en). Citizens may also speak
Arabic or Urdu; scripts may add those texts, and when they do not, the lookup falls back to Spanish and
then Catalan, and says so, so the panel can tell the informador which language is really shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Language(StrEnum):
    CA = "ca"
    ES = "es"
    EU = "eu"
    EN = "en"
    AR = "ar"
    UR = "ur"


DEFAULT_LANGUAGE = Language.CA

# Every script text must exist in these; ar/ur are optional extras.
REQUIRED_LANGUAGES: tuple[Language, ...] = (Language.CA, Language.ES, Language.EU, Language.EN)

# Languages tried after the requested one, in order. Catalan closes every chain because it is the
# one language every validated script is guaranteed to have.
FALLBACKS: Mapping[Language, tuple[Language, ...]] = MappingProxyType(
    {
        Language.CA: (),
        Language.ES: (Language.CA,),
        Language.EU: (Language.ES, Language.CA),
        Language.EN: (Language.ES, Language.CA),
        Language.AR: (Language.ES, Language.CA),
        Language.UR: (Language.ES, Language.CA),
    }
)


# Names a script text may use in braces, filled in by whoever shows the text (the panel).
PLACEHOLDERS = frozenset({"staff_name", "office_name", "citizen_name", "tramit_name"})
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def fill(text: str, **values: str) -> str:
    """Replace known placeholders; an unknown value stays visible as «…» rather than vanishing."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name) or "…" if name in PLACEHOLDERS else match.group(0)

    return PLACEHOLDER.sub(substitute, text)


def fallback_chain(language: Language) -> tuple[Language, ...]:
    """The requested language followed by its fallbacks, e.g. ar → (ar, es, ca)."""
    return (language, *FALLBACKS[language])


@dataclass(frozen=True)
class ResolvedText:
    """A text picked for a requested language; `language` is the one actually used."""

    text: str
    language: Language
    requested: Language

    @property
    def is_fallback(self) -> bool:
        return self.language != self.requested


@dataclass(frozen=True)
class LocalizedText:
    """One text in several languages (read-only mapping language → text)."""

    texts: Mapping[Language, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Freeze a private copy so a caller's dict cannot change a loaded script afterwards.
        object.__setattr__(self, "texts", MappingProxyType(dict(self.texts)))

    def resolve(self, language: Language | str) -> ResolvedText:
        requested = Language(language)
        for candidate in fallback_chain(requested):
            text = self.texts.get(candidate)
            if text:
                return ResolvedText(text, candidate, requested)
        raise LookupError(f"no text for {requested.value} nor its fallbacks")

    def get(self, language: Language | str) -> str:
        return self.resolve(language).text

    def render(self, language: Language | str, **values: str) -> ResolvedText:
        """The text in `language` (or its fallback) with placeholders such as {staff_name} filled."""
        resolved = self.resolve(language)
        return ResolvedText(fill(resolved.text, **values), resolved.language, resolved.requested)

    def missing(self, required: tuple[Language, ...] = REQUIRED_LANGUAGES) -> list[Language]:
        return [lang for lang in required if not self.texts.get(lang)]

    def to_dict(self) -> dict[str, str]:
        return {lang.value: text for lang, text in self.texts.items()}
