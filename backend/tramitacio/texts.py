"""Citizen-facing sentences the backend composes (SMS, e-mail, receipt, post-call summary), in each
language the citizen page offers (ca, es, eu, en, ar, ur); Catalan is the fallback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TEXTS: Mapping[str, Mapping[str, str]] = {
    "otp_sms": {
        "ca": "Videoatenció: el vostre codi de signatura és {otp}. Escriviu-lo només si el resum que "
        "veieu a la pàgina és correcte. Caduca en 5 minuts.",
        "es": "Videoatenció: su código de firma es {otp}. Escríbalo solo si el resumen que ve en la "
        "página es correcto. Caduca en 5 minutos.",
        "eu": "Videoatenció: zure sinadura-kodea {otp} da. Idatzi orrian ikusten duzun laburpena zuzena"
        " bada bakarrik. 5 minututan iraungitzen da.",
        "en": "Videoatenció: your signing code is {otp}. Type it only if the summary on the page is "
        "correct. It expires in 5 minutes.",
        "ar": "Videoatenció: رمز التوقيع الخاص بك هو {otp}. اكتبه فقط إذا كان الملخص الذي تراه في "
        "الصفحة صحيحًا. تنتهي صلاحيته بعد 5 دقائق.",
        "ur": "Videoatenció: آپ کا دستخطی کوڈ {otp} ہے۔ یہ کوڈ صرف اسی صورت میں لکھیں جب صفحے پر نظر "
        "آنے والا خلاصہ درست ہو۔ یہ 5 منٹ بعد ختم ہو جائے گا۔",
    },
    "receipt_email": {
        "ca": "Videoatenció: hem presentat el tràmit «{tramit}». Número de registre: {registry}. Us "
        "adjuntem el justificant en PDF; també el podeu baixar des de la pàgina de la "
        "videoatenció.",
        "es": "Videoatenció: hemos presentado el trámite «{tramit}». Número de registro: {registry}. Le"
        " adjuntamos el justificante en PDF; también puede descargarlo desde la página de la "
        "videoatención.",
        "eu": "Videoatenció: «{tramit}» izapidea aurkeztu dugu. Erregistro-zenbakia: {registry}. "
        "Frogagiria PDFan doa erantsita; bideo-arretaren orritik ere deskarga dezakezu.",
        "en": 'Videoatenció: we have filed the procedure "{tramit}". Registry number: {registry}. The '
        "receipt is attached as a PDF; you can also download it from the video appointment page.",
        "ar": "Videoatenció: قدّمنا الإجراء «{tramit}». رقم التسجيل: {registry}. إيصال التقديم مرفق "
        "بهذه الرسالة بصيغة PDF، ويمكنك أيضًا تنزيله من صفحة موعد الفيديو.",
        "ur": "Videoatenció: ہم نے کارروائی «{tramit}» جمع کرا دی ہے۔ رجسٹری نمبر: {registry}۔ جمع "
        "کرانے کی رسید اس ای میل کے ساتھ PDF میں منسلک ہے۔ آپ اسے ویڈیو ملاقات کے صفحے سے بھی "
        "ڈاؤن لوڈ کر سکتے ہیں۔",
    },
    "receipt_title": {
        "ca": "Justificant de presentació",
        "es": "Justificante de presentación",
        "eu": "Aurkezpen-frogagiria",
        "en": "Filing receipt",
        "ar": "إيصال التقديم",
        "ur": "جمع کرانے کی رسید",
    },
    "registry_number": {
        "ca": "Número de registre",
        "es": "Número de registro",
        "eu": "Erregistro-zenbakia",
        "en": "Registry number",
        "ar": "رقم التسجيل",
        "ur": "رجسٹری نمبر",
    },
    "date_time": {
        "ca": "Data i hora",
        "es": "Fecha y hora",
        "eu": "Data eta ordua",
        "en": "Date and time",
        "ar": "التاريخ والوقت",
        "ur": "تاریخ اور وقت",
    },
    "procedure": {
        "ca": "Tràmit",
        "es": "Trámite",
        "eu": "Izapidea",
        "en": "Procedure",
        "ar": "الإجراء",
        "ur": "کارروائی",
    },
    "office": {
        "ca": "Oficina",
        "es": "Oficina",
        "eu": "Bulegoa",
        "en": "Office",
        "ar": "المكتب",
        "ur": "دفتر",
    },
    "citizen": {
        "ca": "Persona interessada",
        "es": "Persona interesada",
        "eu": "Interesduna",
        "en": "Applicant",
        "ar": "مقدّم الطلب",
        "ur": "درخواست گزار",
    },
    "level": {
        "ca": "Modalitat",
        "es": "Modalidad",
        "eu": "Modalitatea",
        "en": "Mode",
        "ar": "طريقة التقديم",
        "ur": "طریقۂ کار",
    },
    "level_atesa": {
        "ca": "Tramitació atesa per videoatenció",
        "es": "Tramitación atendida por videoatención",
        "eu": "Bideo-arreta bidezko izapidetze artatua",
        "en": "Attended filing by video call",
        "ar": "تقديم بمساعدة موظف عبر مكالمة فيديو",
        "ur": "ویڈیو کال پر عملے کی مدد سے جمع کرائی گئی",
    },
    "form": {
        "ca": "Dades de la sol·licitud",
        "es": "Datos de la solicitud",
        "eu": "Eskaeraren datuak",
        "en": "Application details",
        "ar": "بيانات الطلب",
        "ur": "درخواست کی تفصیلات",
    },
    "documents": {
        "ca": "Documents aportats (SHA-256)",
        "es": "Documentos aportados (SHA-256)",
        "eu": "Emandako dokumentuak (SHA-256)",
        "en": "Documents provided (SHA-256)",
        "ar": "المستندات المقدّمة (SHA-256)",
        "ur": "جمع کرائی گئی دستاویزات (SHA-256)",
    },
    "no_documents": {
        "ca": "Cap document.",
        "es": "Ningún documento.",
        "eu": "Dokumenturik ez.",
        "en": "No documents.",
        "ar": "لا توجد مستندات.",
        "ur": "کوئی دستاویز نہیں۔",
    },
    "signature": {
        "ca": "Consentiment i signatura",
        "es": "Consentimiento y firma",
        "eu": "Baimena eta sinadura",
        "en": "Consent and signature",
        "ar": "الموافقة والتوقيع",
        "ur": "رضامندی اور دستخط",
    },
    "signature_text": {
        "ca": "La persona interessada ha signat el resum amb un codi d'un sol ús enviat per {channel} "
        "el {signed_at}.",
        "es": "La persona interesada ha firmado el resumen con un código de un solo uso enviado por "
        "{channel} el {signed_at}.",
        "eu": "Interesdunak laburpena sinatu du {channel} bidez bidalitako erabilera bakarreko kode "
        "batekin ({signed_at}).",
        "en": "The applicant signed the summary with a one-time code sent by {channel} on {signed_at}.",
        "ar": "وقّع مقدّم الطلب على الملخص برمز يُستخدم مرة واحدة، أُرسل إليه عبر {channel} في {signed_at}.",
        "ur": "درخواست گزار نے خلاصے پر ایک بار استعمال ہونے والے کوڈ سے دستخط کیے۔ یہ کوڈ {channel} کے"
        " ذریعے {signed_at} کو بھیجا گیا تھا۔",
    },
    "bound_hash": {
        "ca": "Empremta del resum signat (SHA-256)",
        "es": "Huella del resumen firmado (SHA-256)",
        "eu": "Sinatutako laburpenaren hatz-marka (SHA-256)",
        "en": "Fingerprint of the signed summary (SHA-256)",
        "ar": "البصمة الرقمية للملخص الموقَّع (SHA-256)",
        "ur": "دستخط شدہ خلاصے کا ڈیجیٹل فنگر پرنٹ (SHA-256)",
    },
    "receipt_footer": {
        "ca": "Conserveu aquest justificant. El número de registre identifica la vostra sol·licitud en "
        "qualsevol consulta.",
        "es": "Conserve este justificante. El número de registro identifica su solicitud en cualquier "
        "consulta.",
        "eu": "Gorde frogagiri hau. Erregistro-zenbakiak zure eskaera identifikatzen du edozein "
        "kontsultatan.",
        "en": "Keep this receipt. The registry number identifies your application in any enquiry.",
        "ar": "احتفظ بهذا الإيصال. يُعرِّف رقم التسجيل طلبك في أي استفسار.",
        "ur": "یہ رسید سنبھال کر رکھیں۔ کسی بھی پوچھ گچھ میں رجسٹری نمبر سے آپ کی درخواست پہچانی جاتی ہے۔",
    },
    "sms": {
        "ca": "SMS",
        "es": "SMS",
        "eu": "SMS",
        "en": "SMS",
        "ar": "رسالة نصية (SMS)",
        "ur": "ایس ایم ایس (SMS)",
    },
    "email": {
        "ca": "correu electrònic",
        "es": "correo electrónico",
        "eu": "posta elektronikoa",
        "en": "e-mail",
        "ar": "البريد الإلكتروني",
        "ur": "ای میل",
    },
    # Post-call summary.
    "done_submitted": {
        "ca": "L'informador ha presentat en nom vostre el tràmit «{tramit}».",
        "es": "El informador ha presentado en su nombre el trámite «{tramit}».",
        "eu": "Informatzaileak zure izenean aurkeztu du «{tramit}» izapidea.",
        "en": 'The informador filed the procedure "{tramit}" on your behalf.',
        "ar": "قدّم الموظف الإجراء «{tramit}» نيابةً عنك.",
        "ur": "عملے کے رکن نے آپ کی طرف سے کارروائی «{tramit}» جمع کرا دی ہے۔",
    },
    "done_assisted": {
        "ca": "Heu fet el tràmit «{tramit}» al portal oficial amb l'ajuda de l'informador.",
        "es": "Ha hecho el trámite «{tramit}» en el portal oficial con la ayuda del informador.",
        "eu": "«{tramit}» izapidea atari ofizialean egin duzu, informatzailearen laguntzarekin.",
        "en": 'You completed the procedure "{tramit}" on the official portal with the informador\'s help.',
        "ar": "أنجزتَ الإجراء «{tramit}» على البوابة الرسمية بمساعدة الموظف.",
        "ur": "آپ نے عملے کے رکن کی مدد سے سرکاری پورٹل پر کارروائی «{tramit}» مکمل کی۔",
    },
    "done_started": {
        "ca": "Hem començat el tràmit «{tramit}», però encara no s'ha presentat.",
        "es": "Hemos empezado el trámite «{tramit}», pero todavía no se ha presentado.",
        "eu": "«{tramit}» izapidea hasi dugu, baina oraindik ez da aurkeztu.",
        "en": 'We started the procedure "{tramit}", but it has not been filed yet.',
        "ar": "بدأنا الإجراء «{tramit}»، لكنه لم يُقدَّم بعد.",
        "ur": "ہم نے کارروائی «{tramit}» شروع کر دی ہے، لیکن یہ ابھی جمع نہیں ہوئی۔",
    },
    "next_submitted": {
        "ca": "Guardeu el justificant. L'administració us comunicarà la resolució.",
        "es": "Guarde el justificante. La administración le comunicará la resolución.",
        "eu": "Gorde frogagiria. Administrazioak ebazpenaren berri emango dizu.",
        "en": "Keep the receipt. The administration will let you know its decision.",
        "ar": "احتفظ بالإيصال. ستُبلغك الإدارة بقرارها.",
        "ur": "رسید سنبھال کر رکھیں۔ انتظامیہ آپ کو اپنے فیصلے سے آگاہ کرے گی۔",
    },
    "next_missing": {
        "ca": "Envieu els documents que falten tan aviat com pugueu; sense ells el tràmit no pot avançar.",
        "es": "Envíe los documentos que faltan lo antes posible; sin ellos el trámite no puede avanzar.",
        "eu": "Bidali falta diren dokumentuak ahalik eta lasterren; horiek gabe izapideak ezin du "
        "aurrera egin.",
        "en": "Send the missing documents as soon as you can; without them the procedure cannot go ahead.",
        "ar": "أرسل المستندات الناقصة في أقرب وقت ممكن. لا يمكن متابعة الإجراء بدونها.",
        "ur": "باقی دستاویزات جلد از جلد بھیجیں۔ ان کے بغیر کارروائی آگے نہیں بڑھ سکتی۔",
    },
    "next_started": {
        "ca": "Demaneu una nova cita quan tingueu tota la documentació per acabar el tràmit.",
        "es": "Pida una nueva cita cuando tenga toda la documentación para terminar el trámite.",
        "eu": "Eskatu beste hitzordu bat dokumentazio guztia duzunean, izapidea amaitzeko.",
        "en": "Book a new appointment when you have all the documents to finish the procedure.",
        "ar": "احجز موعدًا جديدًا عندما تكون جميع المستندات جاهزة لإكمال الإجراء.",
        "ur": "جب تمام دستاویزات تیار ہوں تو کارروائی مکمل کرنے کے لیے نئی ملاقات کا وقت لیں۔",
    },
    # Said once, to ar/ur readers, where catalogue names (only ca/es/eu/en) are shown in Spanish.
    "names_in_spanish": {
        "ca": "Els noms del tràmit, dels camps i dels documents es mostren en castellà perquè encara no"
        " estan traduïts a la vostra llengua.",
        "es": "Los nombres del trámite, de los campos y de los documentos se muestran en castellano "
        "porque aún no están traducidos a su idioma.",
        "eu": "Izapidearen, eremuen eta dokumentuen izenak gaztelaniaz agertzen dira, oraindik zure "
        "hizkuntzara itzuli gabe daudelako.",
        "en": "The names of the procedure, the fields and the documents are in Spanish because they are"
        " not translated into your language yet.",
        "ar": "تظهر أسماء الإجراء والحقول والمستندات باللغة الإسبانية، لأنها لم تُترجم إلى العربية بعد.",
        "ur": "کارروائی، خانوں اور دستاویزات کے نام ہسپانوی زبان میں دکھائے گئے ہیں، کیونکہ ان کا اردو "
        "ترجمہ ابھی دستیاب نہیں۔",
    },
    "external_reference": {
        "ca": "Referència del sistema de tramitació",
        "es": "Referencia del sistema de tramitación",
        "eu": "Izapide-sistemaren erreferentzia",
        "en": "Tramitation system reference",
        "ar": "المرجع في نظام معالجة الطلبات",
        "ur": "پروسیسنگ نظام میں حوالہ نمبر",
    },
    # The post-call summary sent to the citizen (e-mail in full, SMS in short).
    "post_title": {
        "ca": "Resum de la vostra cita",
        "es": "Resumen de su cita",
        "eu": "Zure hitzorduaren laburpena",
        "en": "Summary of your appointment",
        "ar": "ملخص موعدك",
        "ur": "آپ کی ملاقات کا خلاصہ",
    },
    "next_steps_title": {
        "ca": "Propers passos",
        "es": "Próximos pasos",
        "eu": "Hurrengo urratsak",
        "en": "Next steps",
        "ar": "الخطوات التالية",
        "ur": "اگلے اقدامات",
    },
    "missing_title": {
        "ca": "Documents que falten",
        "es": "Documentos que faltan",
        "eu": "Falta diren dokumentuak",
        "en": "Missing documents",
        "ar": "المستندات الناقصة",
        "ur": "باقی دستاویزات",
    },
}


def text(key: str, lang: str, **params: Any) -> str:
    entry = TEXTS[key]
    return (entry.get(lang) or entry["ca"]).format(**params)
