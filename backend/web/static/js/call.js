// The citizen's side of the video call: one RTCPeerConnection per generation, answering the console.
//
// Plain ES module, no build step. The page injects the signalling transport, so the same class runs
// over REST + EventSource in production and over a Playwright bridge in tests. Protocol:
// ./signaling-protocol.md. The console (aiortc) always offers; we answer at once and trickle our
// candidates, because waiting for Chromium's gathering to complete costs ~130 ms per call.
//
//   const call = new CitizenCall({ iceServers, transport, localStream });   // transport: {send(msg), onmessage}
//   call.addEventListener("state", (e) => ...);   // e.detail: "waiting" | "connecting" | "connected" |
//                                                 //           "reconnecting" | "ended" | "failed"
//   await call.prepare();                         // while waiting: camera/mic and a warm peer connection
//   call.sendChat("Bon dia"); call.setMicEnabled(false); call.setCameraEnabled(false); call.hangUp();
//
// Events (CustomEvent, payload in .detail): state, remotestream (MediaStream), chat ({text, sentAt,
// id}), mediastate ({mic, camera}: the informador's switches), stats ({inboundKbps, outboundKbps,
// lossPct, rttMs, framesDecoded, fps}), error (string: a refused message; the call goes on).
//
// Screen sharing (./screenshare.js, ./guidance.js): the console's offer has a second video m-line for
// the screen (sendrecv) from the start, so sharing starts and stops with replaceTrack, no renegotiation.
//   await call.startScreenShare(track); await call.stopScreenShare(); call.sendGuidance(msg);
// Events: remotescreen (MediaStream: the informador's shared screen), guidance (a validated pointer /
// mark / clear-marks / share-started / share-stopped message from the console).

import { GUIDANCE_TYPES, parseGuidance } from "./guidance.js";

const TYPES = ["offer", "answer", "candidate", "end-of-candidates", "bye", "renegotiate"];
const MAX_SIGNAL_BYTES = 64 * 1024;
const MAX_CHANNEL_BYTES = 16 * 1024;
const MAX_CHAT_CHARS = 4000;
const CALL_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const CHAT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export class SignalingError extends Error {}

/** Validate a signalling message from the console; throws SignalingError with a readable reason. */
export function parseSignal(raw) {
  let msg = raw;
  if (typeof raw === "string") {
    if (raw.length > MAX_SIGNAL_BYTES) throw new SignalingError(`message is larger than ${MAX_SIGNAL_BYTES} bytes`);
    try {
      msg = JSON.parse(raw);
    } catch (err) {
      throw new SignalingError(`message is not valid JSON: ${err.message}`);
    }
  }
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) throw new SignalingError("message must be a JSON object");
  if (!TYPES.includes(msg.type)) throw new SignalingError(`unknown message type ${JSON.stringify(msg.type)}`);
  if (typeof msg.call_id !== "string" || !CALL_ID_RE.test(msg.call_id))
    throw new SignalingError(`${msg.type}: bad call_id`);
  if (!Number.isInteger(msg.pc_generation) || msg.pc_generation < 1 || msg.pc_generation > 1e6)
    throw new SignalingError(`${msg.type}: pc_generation must be an integer 1..1000000`);
  if (msg.type === "offer" || msg.type === "answer") {
    if (typeof msg.sdp !== "string" || !msg.sdp.startsWith("v=0") || msg.sdp.length > 48 * 1024)
      throw new SignalingError(`${msg.type}: sdp must be an SDP string starting with v=0`);
    if (!/\na=fingerprint:/.test(msg.sdp)) throw new SignalingError(`${msg.type}: sdp has no a=fingerprint`);
  }
  return msg;
}

function parseChannel(raw) {
  if (typeof raw !== "string" || raw.length > MAX_CHANNEL_BYTES) throw new SignalingError("data-channel message too large or binary");
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new SignalingError("data-channel message is not JSON");
  }
  if (!msg || typeof msg !== "object") throw new SignalingError("data-channel message must be an object");
  if (msg.type === "chat") {
    if (typeof msg.id !== "string" || !CHAT_ID_RE.test(msg.id)) throw new SignalingError("chat: bad id");
    if (typeof msg.text !== "string" || !msg.text.trim() || msg.text.length > MAX_CHAT_CHARS)
      throw new SignalingError("chat: text must be 1-4000 characters");
    const sentAt = new Date(msg.sent_at);
    if (typeof msg.sent_at !== "string" || Number.isNaN(sentAt.getTime())) throw new SignalingError("chat: bad sent_at");
    return { type: "chat", id: msg.id, text: msg.text, sentAt };
  }
  if (msg.type === "media-state") {
    if (typeof msg.mic !== "boolean" || typeof msg.camera !== "boolean") throw new SignalingError("media-state: booleans expected");
    return msg;
  }
  if ((msg.type === "ping" || msg.type === "pong") && typeof msg.t === "number") return msg;
  if (GUIDANCE_TYPES.includes(msg.type)) return parseGuidance(msg);
  throw new SignalingError(`unknown data-channel message type ${JSON.stringify(msg.type)}`);
}

/** The mid of the screen m-line: the second m=video section of the console's offer (null if none). */
function screenMidOf(sdp) {
  const videos = sdp.split(/\r?\nm=/).slice(1).filter((sec) => sec.startsWith("video"));
  const match = videos[1]?.match(/\r?\na=mid:(\S+)/);
  return match ? match[1] : null;
}

// The "party" m-lines follow the screen one: the third party of the call relayed by the console (the
// interpreter on the citizen's page, the citizen on the interpreter's): the 2nd audio and 3rd video.
function partyMidsOf(sdp) {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  const mid = (sec) => sec?.match(/\r?\na=mid:(\S+)/)?.[1];
  const audios = sections.filter((sec) => sec.startsWith("audio"));
  const videos = sections.filter((sec) => sec.startsWith("video"));
  return [mid(audios[1]), mid(videos[2])].filter(Boolean);
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class CitizenCall extends EventTarget {
  /**
   * @param {object} opts
   * @param {RTCIceServer[]} opts.iceServers  from GET /calls/{id}/ice (may be empty)
   * @param {{send(msg: object): any, onmessage?: Function}} [opts.transport]  signalling transport
   * @param {(msg: object) => any} [opts.sendSignal]  alternative to transport (the page's relay call)
   * @param {MediaStream} [opts.localStream]  the stream from the device check; otherwise prepare() asks
   * @param {string} [opts.callId]  refuse messages for other calls
   * Callbacks onRemoteStream, onChat(text, sentAt), onState(state), onError(message) mirror the events.
   */
  constructor(opts = {}) {
    super();
    this.iceServers = opts.iceServers ?? [];
    this.callId = opts.callId ?? null;
    this.localStream = opts.localStream ?? null;
    this.ownsStream = false;
    this.pc = null;
    this.channel = null;
    this.generation = 0;
    this.state = "idle";
    this.chatHistory = [];
    this.outbox = [];
    this.micEnabled = true;
    this.cameraEnabled = true;
    this.remoteStream = null;
    this.remoteScreenStream = null;
    this.partyStream = null; // the third party's audio + video, relayed by the console
    this.screenTrack = null; // what we share (getDisplayMedia), kept across generations
    this.remoteSharing = null; // the console's share-started message while it shares
    this.timings = {};
    this._warm = null;
    this._statsTimer = null;
    this._lastStats = null;
    this._cb = opts;
    if (opts.transport) {
      this._send = (msg) => opts.transport.send(msg);
      opts.transport.onmessage = (msg) => this.handleSignal(msg);
    } else if (opts.sendSignal) {
      this._send = (msg) => opts.sendSignal(msg);
    } else {
      throw new TypeError("CitizenCall needs a transport or sendSignal");
    }
  }

  /** Camera and microphone with the chosen devices (ids from navigator.mediaDevices.enumerateDevices). */
  static async getMedia({ audioDeviceId, videoDeviceId, width = 1280, height = 720 } = {}) {
    return navigator.mediaDevices.getUserMedia({
      audio: audioDeviceId ? { deviceId: { exact: audioDeviceId } } : true,
      video: {
        width: { ideal: width },
        height: { ideal: height },
        ...(videoDeviceId ? { deviceId: { exact: videoDeviceId } } : {}),
      },
    });
  }

  /** Call while the citizen waits: media (if not given) and a pre-built peer connection. */
  async prepare(deviceChoice) {
    if (!this.localStream) {
      this.localStream = await CitizenCall.getMedia(deviceChoice);
      this.ownsStream = true;
    }
    if (!this._warm) this._warm = this._createPeerConnection();
    this._setState("waiting");
  }

  /** Switch camera or microphone during the call without renegotiating (replaceTrack). */
  async switchDevice({ audioDeviceId, videoDeviceId }) {
    const fresh = await CitizenCall.getMedia({ audioDeviceId, videoDeviceId });
    for (const track of fresh.getTracks()) {
      const old = this.localStream?.getTracks().find((t) => t.kind === track.kind);
      const keep = (track.kind === "audio" && audioDeviceId) || (track.kind === "video" && videoDeviceId);
      if (!keep) {
        track.stop();
        continue;
      }
      track.enabled = track.kind === "audio" ? this.micEnabled : this.cameraEnabled;
      const screen = this._screenTransceiver()?.sender;
      const sender = this.pc?.getSenders().find((s) => s.track?.kind === track.kind && s !== screen);
      if (sender) await sender.replaceTrack(track);
      if (old) {
        this.localStream.removeTrack(old);
        if (this.ownsStream) old.stop();
      }
      this.localStream.addTrack(track);
    }
    this.ownsStream = true;
  }

  /** Feed one signalling message from the console (object or JSON text). Never throws. */
  async handleSignal(raw) {
    let msg;
    try {
      msg = parseSignal(raw);
      if (this.callId && msg.call_id !== this.callId) throw new SignalingError(`message for another call ${msg.call_id}`);
      if (msg.type === "offer") {
        if (msg.pc_generation <= this.generation)
          throw new SignalingError(`offer: stale pc_generation ${msg.pc_generation}; current ${this.generation}`);
        await this._answer(msg);
      } else if (msg.type === "bye") {
        this._close("ended", msg.reason || "the informador hung up");
      } else if (msg.pc_generation !== this.generation) {
        throw new SignalingError(`${msg.type}: pc_generation ${msg.pc_generation}, current ${this.generation}`);
      } else if (msg.type === "candidate") {
        await this.pc.addIceCandidate(msg.candidate);
      } else if (msg.type === "end-of-candidates") {
        await this.pc.addIceCandidate(null);
      } else {
        throw new SignalingError(`${msg.type}: not expected by the citizen`);
      }
    } catch (err) {
      const text = err instanceof SignalingError ? err.message : `${err?.name ?? "Error"}: ${err?.message ?? err}`;
      this._emit("error", `Refused signalling message: ${text}`);
    }
  }

  async _answer(msg) {
    this.timings.offerReceived ??= performance.now();
    this.callId ??= msg.call_id;
    const first = this.generation === 0;
    if (this.pc) this._closePeerConnection();
    this.generation = msg.pc_generation;
    const gen = this.generation;
    const pc = this._warm ?? this._createPeerConnection();
    this._warm = null;
    this.pc = pc;
    this._bind(pc, gen);
    this._setState(first ? "connecting" : "reconnecting");
    pc._screenMid = screenMidOf(msg.sdp);
    pc._partyMids = partyMidsOf(msg.sdp);
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    const screenTx = this._screenTransceiver(pc);
    if (screenTx) {
      screenTx.direction = "sendrecv"; // so we can share later with replaceTrack alone
      if (this.screenTrack) await screenTx.sender.replaceTrack(this.screenTrack);
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (gen !== this.generation) return; // superseded while we were answering
    this._sendSignal({ type: "answer", pc_generation: gen, sdp: pc.localDescription.sdp });
    this.timings.answerSent ??= performance.now();
    // Candidates gathered before the answer went out were held back: they must follow it.
    const held = pc._held;
    pc._held = null;
    for (const m of held) this._sendSignal(m);
  }

  _createPeerConnection() {
    // max-bundle: one transport for audio, video and chat, as the console offers.
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
    for (const track of this.localStream?.getTracks() ?? []) pc.addTrack(track, this.localStream);
    pc._held = [];
    // Negotiated id 0 on both sides: no in-band open handshake; recreated with every generation.
    pc._channel = pc.createDataChannel("chat", { negotiated: true, id: 0, ordered: true });
    return pc;
  }

  _bind(pc, gen) {
    const channel = pc._channel;
    this.channel = channel;
    pc.onicecandidate = (e) => {
      const m = e.candidate
        ? { type: "candidate", pc_generation: gen, candidate: e.candidate.toJSON() }
        : { type: "end-of-candidates", pc_generation: gen };
      if (m.candidate && !m.candidate.candidate) return; // Chromium's empty end-of-generation marker
      if (pc._held) pc._held.push(m);
      else if (gen === this.generation) this._sendSignal(m);
    };
    pc.ontrack = (e) => {
      if (gen !== this.generation) return;
      if (pc._screenMid && e.transceiver?.mid === pc._screenMid) {
        this.remoteScreenStream = new MediaStream([e.track]);
        this._emit("remotescreen", this.remoteScreenStream);
        return;
      }
      if (pc._partyMids?.includes(e.transceiver?.mid)) {
        if (!this.partyStream) this.partyStream = new MediaStream();
        for (const t of this.partyStream.getTracks()) if (t.kind === e.track.kind) this.partyStream.removeTrack(t);
        this.partyStream.addTrack(e.track);
        this._emit("partystream", this.partyStream);
        this._cb.onPartyStream?.(this.partyStream, e.track);
        return;
      }
      if (!this.remoteStream) this.remoteStream = new MediaStream();
      for (const t of this.remoteStream.getTracks()) if (t.kind === e.track.kind) this.remoteStream.removeTrack(t);
      this.remoteStream.addTrack(e.track);
      this._emit("remotestream", this.remoteStream);
      this._cb.onRemoteStream?.(this.remoteStream);
    };
    pc.oniceconnectionstatechange = () => {
      if (gen !== this.generation || this.state === "ended") return;
      const s = pc.iceConnectionState;
      if (s === "connected" || s === "completed") {
        this.timings.connected ??= performance.now();
        this._setState("connected");
      } else if (s === "disconnected") {
        this._setState("reconnecting"); // often recovers by itself (consent checks resume)
      } else if (s === "failed") {
        this._setState("reconnecting");
        this.requestRenegotiation("ice failed");
      }
    };
    channel.onopen = () => {
      if (gen !== this.generation) return;
      this._sendChannel({ type: "media-state", mic: this.micEnabled, camera: this.cameraEnabled });
      if (this.screenTrack) this._sendChannel(this._shareStarted(this.screenTrack), false);
      const queued = this.outbox;
      this.outbox = [];
      for (const text of queued) channel.send(text);
    };
    channel.onmessage = (e) => this._onChannelMessage(e.data);
    this._startStats();
  }

  /** Ask the console for a new peer connection (network changed, ICE failed). */
  requestRenegotiation(reason = "network changed") {
    if (this.generation > 0 && this.state !== "ended")
      this._sendSignal({ type: "renegotiate", pc_generation: this.generation, reason });
  }

  _onChannelMessage(data) {
    let msg;
    try {
      msg = parseChannel(data);
    } catch (err) {
      this._emit("error", `Refused chat message: ${err.message}`);
      return;
    }
    if (msg.type === "chat") {
      if (this.chatHistory.some((c) => c.id === msg.id)) return;
      this.chatHistory.push({ direction: "in", ...msg });
      this._emit("chat", msg);
      this._cb.onChat?.(msg.text, msg.sentAt);
    } else if (msg.type === "media-state") {
      this._emit("mediastate", { mic: msg.mic, camera: msg.camera });
    } else if (msg.type === "ping") {
      this._sendChannel({ type: "pong", t: msg.t });
    } else if (GUIDANCE_TYPES.includes(msg.type)) {
      if (msg.type === "share-started") this.remoteSharing = msg;
      else if (msg.type === "share-stopped") this.remoteSharing = null;
      this._emit("guidance", msg);
    }
  }

  _screenTransceiver(pc = this.pc) {
    if (!pc?._screenMid) return null;
    return pc.getTransceivers().find((t) => t.mid === pc._screenMid) ?? null;
  }

  _shareStarted(track) {
    const s = track.getSettings?.() ?? {};
    const side = (v) => Math.min(16384, Math.max(1, Math.round(v || 1)));
    return { type: "share-started", width: side(s.width), height: side(s.height) };
  }

  /** Send our screen (a getDisplayMedia video track) on the screen m-line and tell the console. */
  async startScreenShare(track) {
    this.screenTrack = track;
    const tx = this._screenTransceiver();
    if (tx) await tx.sender.replaceTrack(track);
    this._sendChannel(this._shareStarted(track));
  }

  /** Stop sending the screen (the caller stops the track) and tell the console. Idempotent. */
  async stopScreenShare() {
    if (!this.screenTrack) return;
    this.screenTrack = null;
    const tx = this._screenTransceiver();
    if (tx) await tx.sender.replaceTrack(null);
    this._sendChannel({ type: "share-stopped" });
  }

  /** Send a guidance message (validated). Pointer moves are dropped while the channel is closed. */
  sendGuidance(msg) {
    const clean = parseGuidance(msg);
    this._sendChannel(clean, clean.type !== "pointer");
    return clean;
  }

  /** Send a chat line (plain text). Queued while (re)connecting. Returns the message. */
  sendChat(text) {
    text = String(text).trim();
    if (!text || text.length > MAX_CHAT_CHARS) throw new RangeError("chat text must be 1-4000 characters");
    const msg = { type: "chat", id: randomId(), text, sent_at: new Date().toISOString() };
    this.chatHistory.push({ direction: "out", id: msg.id, text, sentAt: new Date(msg.sent_at) });
    this._sendChannel(msg);
    return msg;
  }

  setMicEnabled(on) {
    this.micEnabled = !!on;
    for (const t of this.localStream?.getAudioTracks() ?? []) t.enabled = this.micEnabled;
    this._sendChannel({ type: "media-state", mic: this.micEnabled, camera: this.cameraEnabled }, false);
  }

  setCameraEnabled(on) {
    // A disabled track sends black frames: no renegotiation, instant to undo.
    this.cameraEnabled = !!on;
    for (const t of this.localStream?.getVideoTracks() ?? []) t.enabled = this.cameraEnabled;
    this._sendChannel({ type: "media-state", mic: this.micEnabled, camera: this.cameraEnabled }, false);
  }

  _sendChannel(obj, queue = true) {
    const text = JSON.stringify(obj);
    if (this.channel?.readyState === "open") this.channel.send(text);
    else if (queue) this.outbox.push(text);
  }

  _sendSignal(partial) {
    const msg = { call_id: this.callId, ...partial };
    try {
      const r = this._send(msg);
      if (r && typeof r.catch === "function") r.catch((err) => this._emit("error", `signalling send failed: ${err}`));
    } catch (err) {
      this._emit("error", `signalling send failed: ${err}`);
    }
  }

  _startStats() {
    if (this._statsTimer) return;
    this._statsTimer = setInterval(() => this._collectStats(), 1000);
  }

  async _collectStats() {
    const pc = this.pc;
    if (!pc) return;
    let report;
    try {
      report = await pc.getStats();
    } catch {
      return;
    }
    let inBytes = 0, outBytes = 0, lost = 0, received = 0, framesDecoded = 0, fps = 0, rttMs = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp") {
        inBytes += s.bytesReceived ?? 0;
        lost += Math.max(0, s.packetsLost ?? 0);
        received += s.packetsReceived ?? 0;
        if (s.kind === "video" && !(pc._screenMid && s.mid === pc._screenMid)) {
          framesDecoded = s.framesDecoded ?? 0;
          fps = s.framesPerSecond ?? 0;
        }
      } else if (s.type === "outbound-rtp") {
        outBytes += s.bytesSent ?? 0;
      } else if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
        rttMs = s.currentRoundTripTime * 1000;
      }
    });
    const now = performance.now();
    const last = this._lastStats;
    this._lastStats = { now, inBytes, outBytes, lost, received, gen: this.generation };
    if (!last || last.gen !== this.generation) return;
    const dt = (now - last.now) / 1000;
    const dl = lost - last.lost, dr = received - last.received;
    const stats = {
      inboundKbps: ((inBytes - last.inBytes) * 8) / dt / 1000,
      outboundKbps: ((outBytes - last.outBytes) * 8) / dt / 1000,
      lossPct: dl + dr > 0 ? (100 * dl) / (dl + dr) : null,
      rttMs,
      framesDecoded,
      fps,
      generation: this.generation,
    };
    this.lastStats = stats;
    this._emit("stats", stats);
  }

  /** Hang up: tell the console, then close everything we opened. */
  hangUp(reason = "the citizen hung up") {
    if (this.state === "ended") return;
    if (this.generation > 0) this._sendSignal({ type: "bye", pc_generation: this.generation, reason });
    this._close("ended", reason);
  }

  _closePeerConnection() {
    const pc = this.pc;
    this.pc = null;
    this.channel = null;
    if (pc) {
      pc.onicecandidate = pc.ontrack = pc.oniceconnectionstatechange = null;
      pc.close();
    }
  }

  _close(state, reason) {
    clearInterval(this._statsTimer);
    this._statsTimer = null;
    this._closePeerConnection();
    if (this._warm) {
      this._warm.close();
      this._warm = null;
    }
    if (this.ownsStream) for (const t of this.localStream?.getTracks() ?? []) t.stop();
    this.endReason = reason;
    this._setState(state);
  }

  _setState(state) {
    if (this.state === state || this.state === "ended" || this.state === "failed") return;
    this.state = state;
    this._emit("state", state);
    this._cb.onState?.(state);
  }

  _emit(type, detail) {
    if (type === "error") this._cb.onError?.(detail);
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
