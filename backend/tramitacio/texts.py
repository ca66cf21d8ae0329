"""Citizen-facing sentences the backend composes (SMS, e-mail, receipt, post-call summary), in the
citizen's language; Catalan is the fallback (as for the catalogue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TEXTS: Mapping[str, Mapping[str, str]] = {
    "otp_sms": {
        "ca": "Videoatenció: el vostre codi de signatura és {otp}. Escriviu-lo només si el resum que veieu "
        "a la pàgina és correcte. Caduca en 5 minuts.",
        "es": "Videoatenció: su código de firma es {otp}. Escríbalo solo si el resumen que ve en la página "
        "es correcto. Caduca en 5 minutos.",
        "eu": "Videoatenció: zure sinadura-kodea {otp} da. Idatzi orrian ikusten duzun laburpena zuzena bada "
        "bakarrik. 5 minututan iraungitzen da.",
        "en": "Videoatenció: your signing code is {otp}. Type it only if the summary on the page is correct. "
        "It expires in 5 minutes.",
    },
    "receipt_email": {
        "ca": "Videoatenció: hem presentat el tràmit «{tramit}». Número de registre: {registry}. Podeu "
        "baixar el justificant des de la pàgina de la videoatenció.",
        "es": "Videoatenció: hemos presentado el trámite «{tramit}». Número de registro: {registry}. Puede "
        "descargar el justificante desde la página de la videoatención.",
        "eu": "Videoatenció: «{tramit}» izapidea aurkeztu dugu. Erregistro-zenbakia: {registry}. "
        "Frogagiria bideo-arretaren orritik deskarga dezakezu.",
        "en": "Videoatenció: we have filed the procedure \"{tramit}\". Registry number: {registry}. You can "
        "download the receipt from the video appointment page.",
    },
    "receipt_title": {"ca": "Justificant de presentació", "es": "Justificante de presentación",
                      "eu": "Aurkezpen-frogagiria", "en": "Filing receipt"},
    "registry_number": {"ca": "Número de registre", "es": "Número de registro",
                        "eu": "Erregistro-zenbakia", "en": "Registry number"},
    "date_time": {"ca": "Data i hora", "es": "Fecha y hora", "eu": "Data eta ordua", "en": "Date and time"},
    "procedure": {"ca": "Tràmit", "es": "Trámite", "eu": "Izapidea", "en": "Procedure"},
    "office": {"ca": "Oficina", "es": "Oficina", "eu": "Bulegoa", "en": "Office"},
    "citizen": {"ca": "Persona interessada", "es": "Persona interesada", "eu": "Interesduna",
                "en": "Applicant"},
    "level": {"ca": "Modalitat", "es": "Modalidad", "eu": "Modalitatea", "en": "Mode"},
    "level_atesa": {"ca": "Tramitació atesa per videoatenció", "es": "Tramitación atendida por videoatención",
                    "eu": "Bideo-arreta bidezko izapidetze artatua", "en": "Attended filing by video call"},
    "form": {"ca": "Dades de la sol·licitud", "es": "Datos de la solicitud", "eu": "Eskaeraren datuak",
             "en": "Application details"},
    "documents": {"ca": "Documents aportats (SHA-256)", "es": "Documentos aportados (SHA-256)",
                  "eu": "Emandako dokumentuak (SHA-256)", "en": "Documents provided (SHA-256)"},
    "no_documents": {"ca": "Cap document.", "es": "Ningún documento.", "eu": "Dokumenturik ez.",
                     "en": "No documents."},
    "signature": {"ca": "Consentiment i signatura", "es": "Consentimiento y firma",
                  "eu": "Baimena eta sinadura", "en": "Consent and signature"},
    "signature_text": {
        "ca": "La persona interessada ha signat el resum amb un codi d'un sol ús enviat per {channel} "
        "el {signed_at}.",
        "es": "La persona interesada ha firmado el resumen con un código de un solo uso enviado por "
        "{channel} el {signed_at}.",
        "eu": "Interesdunak laburpena sinatu du {channel} bidez bidalitako erabilera bakarreko kode batekin "
        "({signed_at}).",
        "en": "The applicant signed the summary with a one-time code sent by {channel} on {signed_at}.",
    },
    "bound_hash": {"ca": "Empremta del resum signat (SHA-256)", "es": "Huella del resumen firmado (SHA-256)",
                   "eu": "Sinatutako laburpenaren hatz-marka (SHA-256)",
                   "en": "Fingerprint of the signed summary (SHA-256)"},
    "receipt_footer": {
        "ca": "Conserveu aquest justificant. El número de registre identifica la vostra sol·licitud en "
        "qualsevol consulta.",
        "es": "Conserve este justificante. El número de registro identifica su solicitud en cualquier "
        "consulta.",
        "eu": "Gorde frogagiri hau. Erregistro-zenbakiak zure eskaera identifikatzen du edozein "
        "kontsultatan.",
        "en": "Keep this receipt. The registry number identifies your application in any enquiry.",
    },
    "sms": {"ca": "SMS", "es": "SMS", "eu": "SMS", "en": "SMS"},
    "email": {"ca": "correu electrònic", "es": "correo electrónico", "eu": "posta elektronikoa",
              "en": "e-mail"},
    # Post-call summary.
    "done_submitted": {
        "ca": "L'informador ha presentat en nom vostre el tràmit «{tramit}».",
        "es": "El informador ha presentado en su nombre el trámite «{tramit}».",
        "eu": "Informatzaileak zure izenean aurkeztu du «{tramit}» izapidea.",
        "en": "The informador filed the procedure \"{tramit}\" on your behalf.",
    },
    "done_assisted": {
        "ca": "Heu fet el tràmit «{tramit}» al portal oficial amb l'ajuda de l'informador.",
        "es": "Ha hecho el trámite «{tramit}» en el portal oficial con la ayuda del informador.",
        "eu": "«{tramit}» izapidea atari ofizialean egin duzu, informatzailearen laguntzarekin.",
        "en": "You completed the procedure \"{tramit}\" on the official portal with the informador's help.",
    },
    "done_started": {
        "ca": "Hem començat el tràmit «{tramit}», però encara no s'ha presentat.",
        "es": "Hemos empezado el trámite «{tramit}», pero todavía no se ha presentado.",
        "eu": "«{tramit}» izapidea hasi dugu, baina oraindik ez da aurkeztu.",
        "en": "We started the procedure \"{tramit}\", but it has not been filed yet.",
    },
    "next_submitted": {
        "ca": "Guardeu el justificant. L'administració us comunicarà la resolució.",
        "es": "Guarde el justificante. La administración le comunicará la resolución.",
        "eu": "Gorde frogagiria. Administrazioak ebazpenaren berri emango dizu.",
        "en": "Keep the receipt. The administration will let you know its decision.",
    },
    "next_missing": {
        "ca": "Envieu els documents que falten tan aviat com pugueu; sense ells el tràmit no pot avançar.",
        "es": "Envíe los documentos que faltan lo antes posible; sin ellos el trámite no puede avanzar.",
        "eu": "Bidali falta diren dokumentuak ahalik eta lasterren; horiek gabe izapideak ezin du aurrera "
        "egin.",
        "en": "Send the missing documents as soon as you can; without them the procedure cannot go ahead.",
    },
    "next_started": {
        "ca": "Demaneu una nova cita quan tingueu tota la documentació per acabar el tràmit.",
        "es": "Pida una nueva cita cuando tenga toda la documentación para terminar el trámite.",
        "eu": "Eskatu beste hitzordu bat dokumentazio guztia duzunean, izapidea amaitzeko.",
        "en": "Book a new appointment when you have all the documents to finish the procedure.",
    },
}  # fmt: skip


def text(key: str, lang: str, **params: Any) -> str:
    entry = TEXTS[key]
    return (entry.get(lang) or entry["ca"]).format(**params)
