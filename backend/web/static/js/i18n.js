// Translations: gettext catalogues (resources/i18n/<lang>/LC_MESSAGES/citizen.po) served as JSON by
// GET /c-i18n/<lang>.json. Source strings are English msgids; a missing translation shows the msgid.
// Everything is written with textContent, never innerHTML.

export const LANGUAGES = ["ca", "es", "eu", "en", "ar", "ur"];
const STORAGE_KEY = "videoatencio.language";
let messages = {};
let current = "ca";

export function t(msgid, params = {}) {
  const text = messages[msgid] || msgid;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// Digits typed on an Arabic (٠-٩) or Persian/Urdu (۰-۹) keyboard, as 0-9: PINs and codes are sent in
// ASCII (the server refuses other digits with a 422).
export function asciiDigits(text) {
  return String(text).replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) & 0xf));
}

export function language() {
  return current;
}

export function initialLanguage() {
  const saved = safeStorageGet(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const fromBrowser = (navigator.languages || [navigator.language || ""])
    .map((l) => l.slice(0, 2).toLowerCase())
    .find((l) => LANGUAGES.includes(l));
  return fromBrowser || "ca";
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = "ca";
  const response = await fetch(`/c-i18n/${lang}.json`, { credentials: "omit" });
  const catalogue = response.ok ? await response.json() : { messages: {}, dir: "ltr" };
  messages = catalogue.messages || {};
  current = lang;
  safeStorageSet(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = catalogue.dir === "rtl" ? "rtl" : "ltr";
  translate(document);
}

// Elements carry their English source text in data-i18n (and data-i18n-aria-label for labels).
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
}

function safeStorageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // private mode or storage disabled: fall back to the default
  }
}

function safeStorageSet(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    /* not persisted; the choice still applies to this page */
  }
}
