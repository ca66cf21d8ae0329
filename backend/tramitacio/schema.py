"""A tràmit's wizard data: its form fields and the assisted-mode steps (Qt- and FastAPI-free).

Stored in Tramit.form_schema as {"fields": [...], "assisted_steps": [...]}; a tràmit without its own
schema gets GENERIC, shaped like the Petició genèrica, so every tràmit can be filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.tramitacio.validation import FieldSpec


@dataclass(frozen=True)
class AssistedStep:
    texts: Mapping[str, str]  # what to do and what to click, per language
    documents: tuple[str, ...] = ()  # required_documents codes to have ready at this step

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get("ca") or ""

    def to_json(self) -> dict[str, Any]:
        return {"texts": dict(self.texts), "documents": list(self.documents)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AssistedStep:
        return cls(
            texts={str(k): str(v) for k, v in dict(data.get("texts") or {}).items()},
            documents=tuple(str(d) for d in data.get("documents") or ()),
        )


@dataclass(frozen=True)
class FormSchema:
    fields: tuple[FieldSpec, ...]
    assisted_steps: tuple[AssistedStep, ...]
    generic: bool = False

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": [f.to_json() for f in self.fields],
            "assisted_steps": [s.to_json() for s in self.assisted_steps],
            "generic": self.generic,
        }


def _l(ca: str, es: str, eu: str, en: str) -> dict[str, str]:
    return {"ca": ca, "es": es, "eu": eu, "en": en}


GENERIC_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "sollicitant_document",
        "dni_nie",
        _l("DNI o NIE de la persona sol·licitant", "DNI o NIE de la persona solicitante",
           "Eskatzailearen NAN edo AIZ", "Applicant's DNI or NIE"),
        required=True,
    ),
    FieldSpec("nom_complet", "text", _l("Nom i cognoms", "Nombre y apellidos", "Izen-abizenak", "Full name"),
              required=True, max_length=200),
    FieldSpec("telefon", "phone", _l("Telèfon de contacte", "Teléfono de contacto",
                                      "Harremanetarako telefonoa", "Contact phone"), required=True),
    FieldSpec("correu", "email", _l("Adreça electrònica", "Correo electrónico", "Helbide elektronikoa",
                                     "E-mail address")),
    FieldSpec("codi_postal", "postal_code", _l("Codi postal del domicili", "Código postal del domicilio",
                                               "Etxebizitzaren posta-kodea", "Home postal code"),
              required=True),
    FieldSpec("assumpte", "text", _l("Assumpte", "Asunto", "Gaia", "Subject"), required=True, max_length=200),
    FieldSpec("sollicitud", "text",
              _l("Què sol·liciteu", "Qué solicita", "Zer eskatzen duzu", "What you request"),
              required=True, max_length=2000),
)  # fmt: skip

GENERIC_STEPS: tuple[AssistedStep, ...] = (
    AssistedStep(_l(
        "Obriu l'enllaç del tràmit al portal oficial i premeu «Tramitar en línia».",
        "Abra el enlace del trámite en el portal oficial y pulse «Tramitar en línea».",
        "Ireki izapidearen esteka atari ofizialean eta sakatu «Online izapidetu».",
        "Open the procedure's link on the official portal and click \"Apply online\".",
    )),
    AssistedStep(_l(
        "Identifiqueu-vos amb idCAT Mòbil, Cl@ve o un certificat digital.",
        "Identifíquese con idCAT Mòbil, Cl@ve o un certificado digital.",
        "Identifikatu idCAT Mòbil, Cl@ve edo ziurtagiri digital batekin.",
        "Identify yourself with idCAT Mòbil, Cl@ve or a digital certificate.",
    ), ("dni", "nie")),
    AssistedStep(_l(
        "Empleneu el formulari amb les vostres dades i premeu «Continuar».",
        "Rellene el formulario con sus datos y pulse «Continuar».",
        "Bete inprimakia zure datuekin eta sakatu «Jarraitu».",
        "Fill in the form with your details and click \"Continue\".",
    )),
    AssistedStep(_l(
        "Adjunteu els documents que us demana el formulari.",
        "Adjunte los documentos que le pide el formulario.",
        "Erantsi inprimakiak eskatzen dizkizun dokumentuak.",
        "Attach the documents the form asks for.",
    )),
    AssistedStep(_l(
        "Reviseu el resum, premeu «Signar i enviar» i anoteu el número de registre del justificant.",
        "Revise el resumen, pulse «Firmar y enviar» y anote el número de registro del justificante.",
        "Berrikusi laburpena, sakatu «Sinatu eta bidali» eta idatzi frogagiriko erregistro-zenbakia.",
        "Check the summary, click \"Sign and send\" and note the registry number on the receipt.",
    )),
)  # fmt: skip

GENERIC = FormSchema(GENERIC_FIELDS, GENERIC_STEPS, generic=True)


def schema_from_json(data: Mapping[str, Any] | None) -> FormSchema:
    """The stored schema, or GENERIC where a tràmit has none (or only half of one)."""
    if not data:
        return GENERIC
    fields = tuple(FieldSpec.from_json(f) for f in data.get("fields") or ())
    steps = tuple(AssistedStep.from_json(s) for s in data.get("assisted_steps") or ())
    return FormSchema(fields or GENERIC_FIELDS, steps or GENERIC_STEPS, generic=not fields)
