// Citizen page flow: device check → PIN → waiting room → call → end.
// All data from the server or the other party is written with textContent (never innerHTML).

import { ApiError, CitizenApi } from "./api.js";
import { createCall } from "./call-seam.js";
import { DeviceCheck } from "./devices.js";
import { asciiDigits, initialLanguage, language, setLanguage, t } from "./i18n.js";
import { mountScreenShare } from "./screenshare.js";
import { mountTramitacio } from "./signature.js";

const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const ACCEPTED_TYPES = ["application/pdf", "image/jpeg", "image/png"];
const PIN_TRIES = 5;

const $ = (id) => document.getElementById(id);
// /i/{invite}: an interpreter or translator invited into a call by the informador. Same page, no PIN
// or waiting room: device check → join → the call, where the third party shown is the citizen.
const INVITE = /^\/i\/([A-Za-z0-9_-]{16,200})\/?$/.exec(window.location.pathname)?.[1] ?? "";
const ROLE = INVITE ? "interpreter" : "citizen";
const api = new CitizenApi(ROLE);
const state = { step: "devices", failures: 0, events: null, call: null, localStream: null, waitingSince: 0, timer: 0, info: null };
// Signalling messages that arrive before the call engine is loaded (the console sends its offer right
// after admitting, while this page still fetches its ICE servers and imports call.js): kept, in order.
const pendingSignals = [];
// Texts set from code, kept as (msgid, params) so a language change re-translates them.
const dynamic = new Map();

function say(el, msgid, params = {}) {
  if (!msgid) {
    dynamic.delete(el);
    el.textContent = "";
    return;
  }
  dynamic.set(el, [msgid, params]);
  el.textContent = t(msgid, params);
}

function announce(msgid, params) {
  say($("status"), msgid, params);
}

function joinToken() {
  const match = /^\/c\/([A-Za-z0-9_-]{16,200})\/?$/.exec(window.location.pathname);
  return match ? match[1] : "";
}

function show(step) {
  state.step = step;
  for (const section of document.querySelectorAll(".step")) section.hidden = section.id !== `step-${step}`;
  document.body.dataset.step = step;
  const heading = document.querySelector(`#step-${step} h1`);
  if (heading) heading.focus();
}

// --- language ---------------------------------------------------------------------------------------

async function applyLanguage(lang) {
  await setLanguage(lang);
  $("language").value = language();
  for (const [el, [msgid, params]] of dynamic) el.textContent = t(msgid, params);
  renderInfo();
}

// --- step 1: devices --------------------------------------------------------------------------------

const devices = new DeviceCheck({
  preview: $("preview"),
  meter: $("mic-level"),
  cameraSelect: $("camera-select"),
  micSelect: $("mic-select"),
});

const DEVICE_HELP = {
  denied:
    "The browser is not allowed to use the camera or microphone. Open the site settings (the icon next to the address), allow camera and microphone, then press Try again.",
  "no-device": "No camera or microphone was found. Connect one and press Try again, or continue without it.",
  "in-use": "The camera or microphone is being used by another application. Close it and press Try again.",
  unsupported: "This browser cannot use a camera here. Try a recent Chrome, Firefox, Edge or Safari.",
  other: "The camera or microphone could not be started. Press Try again, or continue without it.",
};

async function checkDevices() {
  const problem = await devices.start();
  $("device-help").hidden = !problem;
  $("retry-devices").hidden = !problem;
  $("preview-off").hidden = !problem;
  say($("device-help"), problem ? DEVICE_HELP[problem] : "");
  if (!problem) announce("Camera and microphone are working.");
}

// --- step 2: PIN ------------------------------------------------------------------------------------

async function submitPin(event) {
  event.preventDefault();
  const input = $("pin");
  const pin = asciiDigits(input.value).replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(pin)) {
    input.setAttribute("aria-invalid", "true");
    say($("pin-error"), "The PIN has 6 digits. Type only the numbers.");
    input.focus();
    return;
  }
  $("pin-submit").disabled = true;
  say($("pin-error"), "");
  try {
    const session = await api.openSession(joinToken(), pin, language());
    input.removeAttribute("aria-invalid");
    input.value = "";
    state.info = session.appointment;
    await enterWaitingRoom();
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    state.failures += 1;
    say($("pin-error"), pinErrorText(err));
    input.select();
    input.focus();
  } finally {
    $("pin-submit").disabled = false;
  }
}

function pinErrorText(err) {
  if (err instanceof ApiError && err.status === 429) return "Too many attempts. Wait a few minutes and try again.";
  if (!(err instanceof ApiError)) return "Could not connect. Check your internet connection and try again.";
  // The server never says whether the link or the PIN was wrong; after 5 tries the PIN is void.
  if (state.failures >= PIN_TRIES) return "This PIN can no longer be used. Ask your office to send you a new PIN.";
  return "The PIN is not correct, or this link is no longer valid. Check the SMS and try again.";
}

// --- step 3: waiting room ---------------------------------------------------------------------------

function renderInfo() {
  const info = state.info;
  if (!info) return;
  $("info-tramit").textContent = info.tramit_name;
  $("info-office").textContent = info.office_name;
  const start = new Date(info.start);
  $("info-time").textContent = Number.isNaN(start.getTime())
    ? info.start
    : start.toLocaleString(language(), { dateStyle: "medium", timeStyle: "short" });
}

function tickElapsed() {
  const seconds = Math.floor((Date.now() - state.waitingSince) / 1000);
  $("elapsed").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

async function enterWaitingRoom() {
  renderInfo();
  state.waitingSince = Date.now();
  tickElapsed();
  state.timer = window.setInterval(tickElapsed, 1000);
  show("waiting");
  announce("You are in the waiting room. Your informador will admit you.");
  openEvents();
  await api.enterWaitingRoom();
}

function openEvents() {
  const source = api.events();
  state.events = source;
  source.addEventListener("admitted", () => startCall());
  if (ROLE === "citizen") mountTramitacio({ api, events: source, root: $("tramitacio") });
  source.addEventListener("signal", (e) => {
    const data = parse(e.data);
    if (!data) return;
    if (state.call) state.call.handleSignal(data.message);
    else pendingSignals.push(data.message);
  });
  source.addEventListener("document", (e) => {
    const data = parse(e.data);
    if (data && data.document) addDocument(data.document, false);
  });
  source.addEventListener("ended", () => finish("The call has ended", "Thank you. You can close this page."));
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function leaveWaitingRoom() {
  try {
    await api.leave();
  } catch {
    /* leaving anyway */
  }
  finish("You have left the waiting room", "Open your link again when you are ready.");
}

// --- step 4: call -----------------------------------------------------------------------------------

async function startCall() {
  if (state.step === "call" || state.step === "end") return;
  window.clearInterval(state.timer);
  state.localStream = devices.takeStream();
  $("self-video").srcObject = state.localStream;
  show("call");
  announce("Your informador has admitted you. The call is starting.");
  state.call = await createCall({
    api,
    localStream: state.localStream,
    onRemoteStream: (stream) => {
      $("remote-video").srcObject = stream;
      $("remote-waiting").hidden = true;
    },
    onPartyStream: (stream, track) => showParty(stream, track),
    onChat: (text) => addChat(t("Informador"), text),
    onState: (callState) => {
      $("call-banner").hidden = callState !== "reconnecting";
      if (callState === "reconnecting") announce("Reconnecting…");
      if (callState === "ended" || callState === "failed") finish("The call has ended", "Thank you. You can close this page.");
    },
  });
  if (state.call.instance) state.screenshare = mountScreenShare({ call: state.call.instance, root: $("screenshare"), t });
  for (const message of pendingSignals.splice(0)) await state.call.handleSignal(message);
  if (!state.call.hasMedia) say($("remote-waiting"), "Video is not available yet. You can still chat and send documents.");
}

// The third party's video appears while media flows (the console's relay is idle without one).
function showParty(stream, track) {
  $("party-video").srcObject = stream;
  if (track.kind !== "video") return;
  track.addEventListener("unmute", () => {
    $("party").hidden = false;
    announce(ROLE === "interpreter" ? "The citizen is in the call." : "An interpreter has joined the call.");
  });
  track.addEventListener("mute", () => ($("party").hidden = true));
  track.addEventListener("ended", () => ($("party").hidden = true));
}

async function joinAsInterpreter() {
  $("devices-continue").disabled = true;
  try {
    await api.openInterpreterSession(INVITE);
  } catch (err) {
    const gone = err instanceof ApiError && err.status === 401;
    finish(gone ? "This link is not valid or the call has ended" : "Could not connect. Check your internet connection and try again.", "");
    return;
  }
  // Opening the event stream tells the console we are ready; its offer arrives there.
  openEvents();
  await startCall();
}

function toggleTrack(kind, button, onText, offText) {
  const tracks = state.localStream ? state.localStream.getTracks().filter((tr) => tr.kind === kind) : [];
  const turningOff = button.getAttribute("aria-pressed") !== "true";
  for (const track of tracks) track.enabled = !turningOff;
  if (state.call) (kind === "audio" ? state.call.setMicEnabled : state.call.setCameraEnabled)(!turningOff);
  button.setAttribute("aria-pressed", String(turningOff));
  say(button, turningOff ? onText : offText);
  announce(turningOff ? (kind === "audio" ? "Microphone muted" : "Camera off") : kind === "audio" ? "Microphone on" : "Camera on");
}

function addChat(who, text) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = "who";
  name.textContent = who;
  const body = document.createElement("span");
  appendLinked(body, text);
  item.append(name, body);
  $("chat-log").append(item);
  item.scrollIntoView({ block: "nearest" });
}

// Chat text with its web addresses as links (the informador sends the official portal's link): text
// nodes and <a> elements built here, never HTML; only http(s) addresses, opened in a new tab.
function appendLinked(parent, text) {
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const address = match[0].replace(/[.,;:!?)»]+$/, ""); // sentence punctuation after the address
    let url;
    try {
      url = new URL(address);
    } catch {
      continue;
    }
    parent.append(document.createTextNode(text.slice(last, match.index)));
    const link = document.createElement("a");
    link.href = url.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = address;
    parent.append(link);
    last = match.index + address.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

function sendChat(event) {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  const sent = state.call && state.call.sendChat(text) !== false;
  if (sent) {
    addChat(t("You"), text);
    input.value = "";
  } else {
    announce("The chat is not connected yet.");
  }
}

async function sendDocument(event) {
  event.preventDefault();
  const file = $("doc-file").files[0];
  const error = $("doc-error");
  say(error, "");
  if (!file) return say(error, "Choose a file first.");
  // A quick check to save a useless upload; the server checks the real content.
  if (file.size > MAX_DOCUMENT_BYTES) return say(error, "The file is larger than 10 MB.");
  if (file.type && !ACCEPTED_TYPES.includes(file.type)) return say(error, "Only PDF, JPEG or PNG files can be sent.");
  announce("Sending the document…");
  try {
    const doc = await api.uploadDocument(file);
    $("doc-file").value = "";
    addDocument(doc, true);
    announce("Document sent.");
  } catch (err) {
    say(error, uploadErrorText(err));
  }
}

function uploadErrorText(err) {
  if (!(err instanceof ApiError)) return "Could not send the document. Check your connection and try again.";
  if (err.status === 413) return "The file is larger than 10 MB.";
  if (err.code === "unsupported_document") return "This file is not a valid PDF, JPEG or PNG document.";
  return "Could not send the document. Try again.";
}

function addDocument(doc, mine) {
  if (document.querySelector(`[data-doc-id="${CSS.escape(doc.id)}"]`)) return;
  const item = document.createElement("li");
  item.dataset.docId = doc.id;
  const label = document.createElement("span");
  label.textContent = `${doc.name} (${Math.max(1, Math.round(doc.size / 1024))} KB)`;
  item.append(label);
  if (!mine) {
    const button = document.createElement("button");
    button.type = "button";
    say(button, "Download");
    button.addEventListener("click", () => download(doc));
    item.append(button);
    announce("You have received a document.");
  }
  $("doc-list").append(item);
}

async function download(doc) {
  try {
    const blob = await api.downloadDocument(doc);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = doc.name;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch {
    say($("doc-error"), "Could not download the document. Try again.");
  }
}

async function hangUp() {
  if (state.call) state.call.hangUp();
  if (ROLE === "interpreter") return finish("The call has ended", "Thank you. You can close this page.");
  try {
    await api.leave();
  } catch {
    /* ending anyway */
  }
  finish("The call has ended", "Thank you. You can close this page.");
}

// --- end --------------------------------------------------------------------------------------------

function finish(title, text) {
  if (state.step === "end") return;
  window.clearInterval(state.timer);
  if (state.events) state.events.close();
  if (state.call) state.call.hangUp();
  if (state.screenshare) state.screenshare.destroy(); // stops a running share; idempotent
  state.screenshare = null;
  if (state.localStream) for (const track of state.localStream.getTracks()) track.stop();
  devices.stop();
  say($("end-title"), title);
  say($("end-text"), text);
  show("end");
  announce(title);
}

// --- start ------------------------------------------------------------------------------------------

// The language picker and Continue are disabled in the HTML until their handlers exist: a click while
// the first catalogue loads (a slow network) would otherwise do nothing, or be undone by that load.
function ready(...ids) {
  for (const id of ids) $(id).disabled = false;
}

async function main() {
  await applyLanguage(initialLanguage());
  $("language").addEventListener("change", (e) => applyLanguage(e.target.value));
  if (ROLE === "interpreter") {
    say($("party-name"), "Citizen");
    document.querySelector(".panel[aria-labelledby='docs-title']").hidden = true; // documents are the citizen's
    $("devices-continue").addEventListener("click", joinAsInterpreter);
    ready("language", "devices-continue");
    $("toggle-mic").addEventListener("click", (e) => toggleTrack("audio", e.currentTarget, "Unmute", "Mute"));
    $("toggle-camera").addEventListener("click", (e) =>
      toggleTrack("video", e.currentTarget, "Turn camera on", "Turn camera off"),
    );
    $("hang-up").addEventListener("click", hangUp);
    $("chat-form").addEventListener("submit", sendChat);
    show("devices");
    await checkDevices();
    return;
  }
  if (!joinToken()) {
    ready("language"); // the message can still be read in another language
    finish("This link is not complete", "Open the link exactly as you received it in the SMS or e-mail.");
    return;
  }
  $("retry-devices").addEventListener("click", checkDevices);
  $("camera-select").addEventListener("change", checkDevices);
  $("mic-select").addEventListener("change", checkDevices);
  $("devices-continue").addEventListener("click", () => {
    show("pin");
    $("pin").focus();
  });
  ready("language", "devices-continue");
  $("pin-form").addEventListener("submit", submitPin);
  $("leave").addEventListener("click", leaveWaitingRoom);
  $("toggle-mic").addEventListener("click", (e) => toggleTrack("audio", e.currentTarget, "Unmute", "Mute"));
  $("toggle-camera").addEventListener("click", (e) =>
    toggleTrack("video", e.currentTarget, "Turn camera on", "Turn camera off"),
  );
  $("hang-up").addEventListener("click", hangUp);
  $("chat-form").addEventListener("submit", sendChat);
  $("doc-form").addEventListener("submit", sendDocument);
  show("devices");
  await checkDevices();
}

main();
