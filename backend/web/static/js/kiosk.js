// The walk-in video kiosk (GET /kiosk/{kiosk_token}): language → tràmit → ticket and wait → call →
// wipe. The kiosk is shared by strangers, so after each citizen (call ended, cancelled, or idle)
// EVERYTHING goes: the ticket's citizen token is revoked on the server, storage is cleared, media
// tracks are stopped, the DOM is reset, and the language screen comes back.
// All server and catalogue text is written with textContent (never innerHTML).

import { CitizenApi } from "./api.js";
import { createCall } from "./call-seam.js";
import { setLanguage, t } from "./i18n.js";

// Choosing screens: back to the start after this long without a touch. The server may set it
// (VIDEOATENCIO_KIOSK_IDLE_S, GET /kiosk/{token} "idle_s"); the page's URL cannot.
const DEFAULT_IDLE_MS = 90_000;
const END_SCREEN_MS = 6_000;
const POLL_MS = 5_000;
const TICKET_KEY = "videoatencio.kiosk.ticket";
const LANGUAGE_NAMES = { ca: "Català", es: "Castellano", eu: "Euskara", en: "English", ar: "العربية", ur: "اردو" };

const $ = (id) => document.getElementById(id);
const api = new CitizenApi();
const fresh = () => ({ screen: "language", ticket: null, events: null, call: null, stream: null, timers: [], idle: 0 });
let state = fresh();
let info = null;

function kioskToken() {
  const match = /^\/kiosk\/([A-Za-z0-9_-]{16,200})\/?$/.exec(window.location.pathname);
  return match ? match[1] : "";
}

function show(screen) {
  state.screen = screen;
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${screen}`;
  document.body.dataset.screen = screen;
  const heading = document.querySelector(`#screen-${screen} h1`);
  if (heading) heading.focus();
  armIdle();
}

function announce(msgid) {
  $("status").textContent = t(msgid);
}

// Only the choosing screens time out: a citizen waiting or in a call is not "idle".
function armIdle() {
  window.clearTimeout(state.idle);
  if (state.screen === "tramit") state.idle = window.setTimeout(() => wipe("idle"), idleMs());
}

function idleMs() {
  const seconds = info && Number(info.idle_s);
  return seconds > 0 ? seconds * 1000 : DEFAULT_IDLE_MS;
}

async function kioskFetch(path, init = {}) {
  const response = await fetch(`/api/v1${path}`, init);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// --- language and tràmit ----------------------------------------------------------------------------

function renderLanguages() {
  const list = $("language-list");
  list.replaceChildren();
  for (const lang of info.languages) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile";
    button.lang = lang;
    button.dataset.lang = lang;
    button.dir = "auto"; // Arabic and Urdu names read right to left on any page direction
    button.textContent = LANGUAGE_NAMES[lang] || lang;
    button.addEventListener("click", () => chooseLanguage(lang));
    list.append(button);
  }
}

async function chooseLanguage(lang) {
  await setLanguage(lang);
  renderTramits(lang);
  show("tramit");
}

function tramitName(tramit, lang) {
  return tramit.names[lang] || tramit.names.ca || tramit.code;
}

function renderTramits(lang) {
  const list = $("tramit-list");
  list.replaceChildren();
  const sorted = [...info.tramits].sort((a, b) => tramitName(a, lang).localeCompare(tramitName(b, lang), lang));
  for (const tramit of sorted) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile";
    button.dataset.tramit = tramit.code;
    button.textContent = tramitName(tramit, lang);
    button.addEventListener("click", () => takeTicket(lang, tramit.code));
    list.append(button);
  }
  list.scrollTop = 0;
}

// --- ticket and waiting -----------------------------------------------------------------------------

async function takeTicket(lang, tramitCode) {
  for (const b of $("tramit-list").querySelectorAll("button")) b.disabled = true;
  try {
    const body = await kioskFetch(`/kiosk/${kioskToken()}/tickets`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ language: lang, tramit_code: tramitCode }),
    });
    api.token = body.citizen_token;
    state.ticket = body.ticket;
    // Survives a reload of the page while waiting; wiped with everything else.
    sessionStorage.setItem(TICKET_KEY, JSON.stringify({ token: body.citizen_token, ticket: body.ticket }));
    startWaiting();
  } catch {
    announce("Something went wrong. Please try again.");
    for (const b of $("tramit-list").querySelectorAll("button")) b.disabled = false;
  }
}

function renderTicket(ticket) {
  $("ticket-label").textContent = ticket.label;
  $("ticket-tramit").textContent = ticket.tramit_name;
  $("ticket-ahead").textContent = String(Math.max(0, (ticket.position || 1) - 1));
}

function startWaiting() {
  renderTicket(state.ticket);
  const since = Date.now() - (state.ticket.waiting_s || 0) * 1000;
  const tick = () => {
    const s = Math.floor((Date.now() - since) / 1000);
    $("ticket-elapsed").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  tick();
  state.timers.push(window.setInterval(tick, 1000));
  state.timers.push(window.setInterval(refreshTicket, POLL_MS));
  show("waiting");
  announce("Please wait, an informador will attend you");
  const source = api.events();
  state.events = source;
  source.addEventListener("admitted", () => startCall());
  source.addEventListener("signal", (e) => {
    const data = parse(e.data);
    if (data && state.call) state.call.handleSignal(data.message);
  });
  source.addEventListener("ended", () => finish());
}

async function refreshTicket() {
  try {
    const ticket = await kioskFetch("/kiosk-ticket", { headers: api.headers() });
    state.ticket = ticket;
    renderTicket(ticket);
  } catch {
    /* the next poll retries; an ended ticket arrives as "ended" on the stream */
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// --- call -------------------------------------------------------------------------------------------

async function startCall() {
  if (state.screen === "call") return;
  show("call");
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    $("kiosk-self").srcObject = state.stream;
  } catch {
    state.stream = null; // the informador can still talk by chat on their side; the kiosk keeps going
  }
  state.call = await createCall({
    api,
    localStream: state.stream,
    onRemoteStream: (stream) => {
      $("kiosk-remote").srcObject = stream;
      $("kiosk-remote-waiting").hidden = true;
    },
    onChat: () => {},
    onState: (callState) => {
      if (callState === "ended" || callState === "failed") finish();
    },
  });
}

// --- the end of a citizen: wipe everything ----------------------------------------------------------

async function finish() {
  if (state.screen === "end") return;
  await wipe("ended");
}

async function wipe(reason) {
  const old = state;
  state = fresh();
  window.clearTimeout(old.idle);
  for (const id of old.timers) window.clearInterval(id);
  if (old.events) old.events.close();
  if (old.call) {
    try {
      old.call.hangUp();
    } catch {
      /* already closed */
    }
  }
  if (old.stream) for (const track of old.stream.getTracks()) track.stop();
  if (api.token) {
    try {
      // Revokes the ticket's citizen token on the server: it must not work for the next person.
      await kioskFetch("/kiosk-ticket/end", { method: "POST", headers: api.headers() });
    } catch {
      /* already ended (the informador closed it) */
    }
  }
  api.token = "";
  resetDom();
  await setLanguage("ca"); // before clearing: it remembers the language in localStorage
  try {
    sessionStorage.clear();
    localStorage.clear();
  } catch {
    /* storage disabled: nothing was kept */
  }
  document.body.dataset.wiped = reason;
  if (reason === "ended" && old.ticket) {
    show("end");
    window.setTimeout(() => {
      if (state.screen === "end") show("language");
    }, END_SCREEN_MS);
  } else {
    show("language");
  }
}

function resetDom() {
  for (const video of document.querySelectorAll("video")) {
    video.pause();
    video.srcObject = null;
    video.removeAttribute("src");
  }
  for (const id of ["ticket-label", "ticket-tramit", "ticket-ahead", "status"]) $(id).textContent = "";
  $("ticket-elapsed").textContent = "0:00";
  $("kiosk-remote-waiting").hidden = false;
  $("tramit-list").replaceChildren();
  document.documentElement.lang = "ca";
}

// --- start ------------------------------------------------------------------------------------------

async function resume() {
  // A reload while waiting keeps the ticket (the citizen is still in the queue).
  const saved = parse(sessionStorage.getItem(TICKET_KEY) || "");
  if (!saved || !saved.token) return false;
  api.token = saved.token;
  try {
    state.ticket = await kioskFetch("/kiosk-ticket", { headers: api.headers() });
  } catch {
    api.token = "";
    sessionStorage.clear();
    return false;
  }
  startWaiting();
  return true;
}

async function main() {
  await setLanguage("ca");
  try {
    info = await kioskFetch(`/kiosk/${kioskToken()}`);
  } catch {
    show("error");
    return;
  }
  $("kiosk-office").textContent = info.office.name;
  renderLanguages();
  $("tramit-back").addEventListener("click", () => wipe("back"));
  $("ticket-cancel").addEventListener("click", () => wipe("cancelled"));
  $("kiosk-hang-up").addEventListener("click", () => {
    if (state.call) state.call.hangUp();
    finish();
  });
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, armIdle, { passive: true });
  if (!(await resume())) show("language");
  document.body.dataset.ready = "1";
}

main();
