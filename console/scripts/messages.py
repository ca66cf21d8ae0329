"""Localised messages of the engine: refusals and gate reasons, shown as-is in the panel.

Script texts live in the TOML files; these are the engine's own sentences, kept in the same four
languages so a refusal reads in the informador's language without a gettext round trip. Each error
carries a stable `code` too, for logs, tests and any later move to the gettext catalogues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from console.scripts.texts import Language, LocalizedText, fallback_chain

MESSAGES: Mapping[str, Mapping[str, str]] = {
    # identity.py
    "dni_format": {
        "en": "A DNI is 8 digits and a letter (e.g. 12345678Z): “{value}” is not.",
        "ca": "Un DNI té 8 xifres i una lletra (p. ex. 12345678Z): «{value}» no ho és.",
        "es": "Un DNI tiene 8 cifras y una letra (p. ej. 12345678Z): «{value}» no lo es.",
        "eu": "NANak 8 zenbaki eta letra bat ditu (adib. 12345678Z): «{value}» ez da zuzena.",
    },
    "dni_letter": {
        "en": "The DNI letter does not match the number: check “{value}”.",
        "ca": "La lletra del DNI no correspon al número: reviseu «{value}».",
        "es": "La letra del DNI no corresponde al número: revise «{value}».",
        "eu": "NANaren letra ez dator bat zenbakiarekin: berrikusi «{value}».",
    },
    "nie_format": {
        "en": "A NIE is X, Y or Z, 7 digits and a letter (e.g. X1234567L): “{value}” is not.",
        "ca": "Un NIE té X, Y o Z, 7 xifres i una lletra (p. ex. X1234567L): «{value}» no ho és.",
        "es": "Un NIE tiene X, Y o Z, 7 cifras y una letra (p. ej. X1234567L): «{value}» no lo es.",
        "eu": "AIZak X, Y edo Z, 7 zenbaki eta letra bat ditu (adib. X1234567L): «{value}» ez da zuzena.",
    },
    "nie_letter": {
        "en": "The NIE letter does not match the number: check “{value}”.",
        "ca": "La lletra del NIE no correspon al número: reviseu «{value}».",
        "es": "La letra del NIE no corresponde al número: revise «{value}».",
        "eu": "AIZaren letra ez dator bat zenbakiarekin: berrikusi «{value}».",
    },
    "passport_format": {
        "en": "A passport number has 6 to 9 letters and digits: “{value}” is not valid.",
        "ca": "Un número de passaport té entre 6 i 9 lletres i xifres: «{value}» no és vàlid.",
        "es": "Un número de pasaporte tiene entre 6 y 9 letras y cifras: «{value}» no es válido.",
        "eu": "Pasaporte-zenbakiak 6 eta 9 arteko letra eta zenbaki ditu: «{value}» ez da baliozkoa.",
    },
    "document_type": {
        "en": "Unknown document type “{value}” (DNI, NIE or passport).",
        "ca": "Tipus de document desconegut: «{value}» (DNI, NIE o passaport).",
        "es": "Tipo de documento desconocido: «{value}» (DNI, NIE o pasaporte).",
        "eu": "Dokumentu mota ezezaguna: «{value}» (NAN, AIZ edo pasaportea).",
    },
    "date_format": {
        "en": "“{value}” is not a date (write DD/MM/YYYY).",
        "ca": "«{value}» no és una data (escriviu DD/MM/AAAA).",
        "es": "«{value}» no es una fecha (escriba DD/MM/AAAA).",
        "eu": "«{value}» ez da data bat (idatzi EE/HH/UUUU).",
    },
    "document_expired": {
        "en": "The document expired on {expiry}: it is not valid to identify the citizen.",
        "ca": "El document va caducar el {expiry}: no serveix per identificar la persona.",
        "es": "El documento caducó el {expiry}: no sirve para identificar a la persona.",
        "eu": "Dokumentua {expiry} egunean iraungi zen: ez du balio pertsona identifikatzeko.",
    },
    "permanent_only_dni": {
        "en": "Only a DNI can be permanent; enter the expiry date.",
        "ca": "Només un DNI pot ser permanent; introduïu la data de caducitat.",
        "es": "Solo un DNI puede ser permanente; introduzca la fecha de caducidad.",
        "eu": "NANa bakarrik izan daiteke iraunkorra; idatzi iraungitze-data.",
    },
    "birth_date_future": {
        "en": "The date of birth {value} is in the future.",
        "ca": "La data de naixement {value} és posterior a avui.",
        "es": "La fecha de nacimiento {value} es posterior a hoy.",
        "eu": "Jaiotze-data ({value}) gaur baino geroagokoa da.",
    },
    "birth_date_implausible": {
        "en": "The date of birth {value} is not plausible.",
        "ca": "La data de naixement {value} no és versemblant.",
        "es": "La fecha de nacimiento {value} no es verosímil.",
        "eu": "Jaiotze-data ({value}) ez da sinesgarria.",
    },
    # engine.py
    "unknown_item": {
        "en": "This call's checklist has no item “{item}”.",
        "ca": "La llista d'aquesta trucada no té cap element «{item}».",
        "es": "La lista de esta llamada no tiene ningún elemento «{item}».",
        "eu": "Dei honen zerrendak ez du «{item}» elementurik.",
    },
    "automatic_item": {
        "en": "“{label}” is ticked by the system ({fact}), not by hand.",
        "ca": "«{label}» el marca el sistema ({fact}), no es marca a mà.",
        "es": "«{label}» lo marca el sistema ({fact}), no se marca a mano.",
        "eu": "«{label}» sistemak markatzen du ({fact}), ez eskuz.",
    },
    "value_missing": {
        "en": "“{label}” needs a value for {key}.",
        "ca": "«{label}» necessita un valor per a {key}.",
        "es": "«{label}» necesita un valor para {key}.",
        "eu": "«{label}» elementuak {key} balioa behar du.",
    },
    "value_unknown": {
        "en": "“{label}” does not take a value “{key}”.",
        "ca": "«{label}» no admet cap valor «{key}».",
        "es": "«{label}» no admite ningún valor «{key}».",
        "eu": "«{label}» elementuak ez du «{key}» balioa onartzen.",
    },
    "value_type": {
        "en": "The value of {key} must be a short text, a date, a number or yes/no.",
        "ca": "El valor de {key} ha de ser un text breu, una data, un número o sí/no.",
        "es": "El valor de {key} debe ser un texto breve, una fecha, un número o sí/no.",
        "eu": "{key} balioak testu laburra, data, zenbakia edo bai/ez izan behar du.",
    },
    "value_too_long": {
        "en": "The value of {key} is too long (at most {limit} characters).",
        "ca": "El valor de {key} és massa llarg ({limit} caràcters com a màxim).",
        "es": "El valor de {key} es demasiado largo ({limit} caracteres como máximo).",
        "eu": "{key} balioa luzeegia da (gehienez {limit} karaktere).",
    },
    "value_binary": {
        "en": "{key} looks like a file or an image: checklist evidence never holds images.",
        "ca": "{key} sembla un fitxer o una imatge: l'evidència de la llista mai no desa imatges.",
        "es": "{key} parece un archivo o una imagen: la evidencia de la lista nunca guarda imágenes.",
        "eu": "{key} fitxategi edo irudi bat dirudi: zerrendako ebidentziak ez du inoiz irudirik gordetzen.",
    },
    "name_mismatch": {
        "en": "The name does not match the appointment's ({expected}).",
        "ca": "El nom no coincideix amb el de la cita ({expected}).",
        "es": "El nombre no coincide con el de la cita ({expected}).",
        "eu": "Izena ez dator bat hitzordukoarekin ({expected}).",
    },
    "name_unknown": {
        "en": "The appointment has no citizen name to compare with.",
        "ca": "La cita no té el nom de la persona per comparar-lo.",
        "es": "La cita no tiene el nombre de la persona para compararlo.",
        "eu": "Hitzorduak ez du pertsonaren izena konparatzeko.",
    },
    "birth_date_mismatch": {
        "en": "The date of birth does not match the appointment's.",
        "ca": "La data de naixement no coincideix amb la de la cita.",
        "es": "La fecha de nacimiento no coincide con la de la cita.",
        "eu": "Jaiotze-data ez dator bat hitzordukoarekin.",
    },
    "birth_date_uncompared": {
        "en": "The appointment has no date of birth to compare with: check it against the ID document "
        "and write in the note what you compared it with.",
        "ca": "La cita no té data de naixement per comparar-la: comproveu-la amb el document d'identitat "
        "i escriviu a la nota amb què l'heu comparada.",
        "es": "La cita no tiene fecha de nacimiento para compararla: compruébela con el documento de "
        "identidad y escriba en la nota con qué la ha comparado.",
        "eu": "Hitzorduak ez du jaiotze-datarik konparatzeko: egiaztatu nortasun-agiriarekin eta idatzi "
        "oharrean zerekin konparatu duzun.",
    },
    "doc_type_not_allowed": {
        "en": "This step does not accept this document type ({value}).",
        "ca": "Aquest pas no accepta aquest tipus de document ({value}).",
        "es": "Este paso no acepta este tipo de documento ({value}).",
        "eu": "Urrats honek ez du dokumentu mota hau onartzen ({value}).",
    },
    "consent_answer": {
        "en": "Record the citizen's answer: yes or no.",
        "ca": "Anoteu la resposta de la persona: sí o no.",
        "es": "Anote la respuesta de la persona: sí o no.",
        "eu": "Idatzi pertsonaren erantzuna: bai edo ez.",
    },
    "choice_unknown": {
        "en": "“{value}” is not one of the options.",
        "ca": "«{value}» no és cap de les opcions.",
        "es": "«{value}» no es ninguna de las opciones.",
        "eu": "«{value}» ez da aukeretako bat.",
    },
    "rating_range": {
        "en": "The rating must be a whole number from 1 to {scale}.",
        "ca": "La valoració ha de ser un nombre enter de l'1 al {scale}.",
        "es": "La valoración debe ser un número entero del 1 al {scale}.",
        "eu": "Balorazioak 1etik {scale}era bitarteko zenbaki osoa izan behar du.",
    },
    "skip_required": {
        "en": "“{label}” is required and cannot be skipped (a supervisor can authorise an exception).",
        "ca": (
            "«{label}» és obligatori i no es pot ometre "
            "(una persona supervisora pot autoritzar-ne l'excepció)."
        ),
        "es": (
            "«{label}» es obligatorio y no se puede omitir "
            "(una persona supervisora puede autorizar la excepción)."
        ),
        "eu": (
            "«{label}» derrigorrezkoa da eta ezin da saltatu (gainbegirale batek salbuespena baimen dezake)."
        ),
    },
    "note_required": {
        "en": "Write a note saying why.",
        "ca": "Escriviu una nota que n'expliqui el motiu.",
        "es": "Escriba una nota que explique el motivo.",
        "eu": "Idatzi arrazoia azaltzen duen ohar bat.",
    },
    "note_too_long": {
        "en": "The note is too long (at most {limit} characters).",
        "ca": "La nota és massa llarga ({limit} caràcters com a màxim).",
        "es": "La nota es demasiado larga ({limit} caracteres como máximo).",
        "eu": "Oharra luzeegia da (gehienez {limit} karaktere).",
    },
    "override_role": {
        "en": "Only a supervisor can authorise an exception.",
        "ca": "Només una persona supervisora pot autoritzar una excepció.",
        "es": "Solo una persona supervisora puede autorizar una excepción.",
        "eu": "Gainbegirale batek bakarrik baimen dezake salbuespen bat.",
    },
    "override_reason": {
        "en": "An exception needs a written reason of at least {min} characters.",
        "ca": "Una excepció necessita un motiu escrit d'almenys {min} caràcters.",
        "es": "Una excepción necesita un motivo escrito de al menos {min} caracteres.",
        "eu": "Salbuespen batek gutxienez {min} karaktereko arrazoi idatzia behar du.",
    },
    "unknown_target": {
        "en": "“{target}” is neither an action nor an item of this checklist.",
        "ca": "«{target}» no és cap acció ni cap element d'aquesta llista.",
        "es": "«{target}» no es ninguna acción ni ningún elemento de esta lista.",
        "eu": "«{target}» ez da zerrenda honetako ekintza edo elementu bat.",
    },
    "staff_required": {
        "en": "Who did it is unknown: the staff id is empty.",
        "ca": "No consta qui ho fa: l'identificador de la persona treballadora és buit.",
        "es": "No consta quién lo hace: el identificador de la persona trabajadora está vacío.",
        "eu": "Ez dakigu nork egin duen: langilearen identifikatzailea hutsik dago.",
    },
    # gates.py
    "gate_pending": {
        "en": "“{label}” is still pending.",
        "ca": "«{label}» encara està pendent.",
        "es": "«{label}» todavía está pendiente.",
        "eu": "«{label}» egiteke dago oraindik.",
    },
    "gate_failed": {
        "en": "“{label}” was not passed.",
        "ca": "«{label}» no s'ha superat.",
        "es": "«{label}» no se ha superado.",
        "eu": "«{label}» ez da gainditu.",
    },
    "gate_skipped": {
        "en": "“{label}” was skipped.",
        "ca": "«{label}» s'ha omès.",
        "es": "«{label}» se ha omitido.",
        "eu": "«{label}» saltatu egin da.",
    },
}


def message(code: str, language: Language | str = Language.CA, **params: object) -> str:
    """The message for `code` in `language` (falling back like script texts, then to English).

    LocalizedText parameters (item labels) are shown in the same language as the message.
    """
    return render(code, language, params)


def render(
    code: str,
    language: Language | str,
    params: Mapping[str, object],
    date_format: Callable[[date], str] = date.isoformat,
) -> str:
    """message(), with dates written by `date_format` (the console passes its locale's; the engine
    has no Qt to ask)."""
    table = MESSAGES[code]
    for candidate in (*fallback_chain(Language(language)), Language.EN):
        template = table.get(candidate.value)
        if template:
            resolved = {
                key: value.get(candidate)
                if isinstance(value, LocalizedText)
                else date_format(value)
                if isinstance(value, date)
                else value
                for key, value in params.items()
            }
            return template.format(**resolved)
    raise LookupError(code)  # unreachable: every message has an English text


class LocalizedError(ValueError):
    """An error the panel shows to the informador. str() is English; `message(lang)` localises."""

    def __init__(self, code: str, **params: object) -> None:
        if code not in MESSAGES:
            raise LookupError(f"no message for error code {code!r}")
        self.code = code
        self.params = params
        super().__init__(message(code, Language.EN, **params))

    def message(
        self, language: Language | str = Language.CA, date_format: Callable[[date], str] = date.isoformat
    ) -> str:
        return render(self.code, language, self.params, date_format)
