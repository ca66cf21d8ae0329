// Remote guidance on a shared screen: validation of the guidance messages and a canvas overlay that
// draws the informador's live pointer and marks (arrow, box, highlight, text) over a <video>.
//
// Coordinates are fractions 0..1 of the shared picture (see signaling-protocol.md, "Screen sharing"),
// so they land on the same spot whatever the size of either view. Text is plain text: drawn with
// fillText on a canvas, never put into HTML. Nothing is recorded: marks live in memory until cleared.
//
//   const overlay = new GuidanceOverlay(canvas, video, { surface: "citizen" });
//   call.addEventListener("guidance", (e) => overlay.handle(e.detail));
//   overlay.clear();  overlay.state  // {pointer, marks} for tests and accessibility

export const GUIDANCE_TYPES = [
  "pointer",
  "mark",
  "clear-marks",
  "share-started",
  "share-stopped",
  "share-request",
  "share-declined",
];
export const SURFACES = ["citizen", "informador"];
export const MARK_KINDS = ["arrow", "box", "highlight", "text"];
export const MAX_MARK_TEXT_CHARS = 200;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const KEYS = {
  pointer: ["type", "surface", "x", "y", "visible"],
  mark: ["type", "id", "surface", "kind", "x1", "y1", "x2", "y2", "text"],
  "clear-marks": ["type", "surface"],
  "share-started": ["type", "width", "height"],
  "share-stopped": ["type"],
  "share-request": ["type", "id"], // the informador asks the citizen to share (assisted processing)
  "share-declined": ["type", "id"], // the citizen's answer "no" to that request
};

class GuidanceError extends Error {}

function fraction(msg, key) {
  const v = msg[key];
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new GuidanceError(`${msg.type}: ${key} must be a number 0..1`);
  return v;
}

/** Validate one guidance message (same rules as console/call/messages.py); returns a clean copy. */
export function parseGuidance(msg) {
  if (!msg || typeof msg !== "object" || !GUIDANCE_TYPES.includes(msg.type))
    throw new GuidanceError(`not a guidance message: ${JSON.stringify(msg?.type)}`);
  const extra = Object.keys(msg).filter((k) => !KEYS[msg.type].includes(k));
  if (extra.length) throw new GuidanceError(`${msg.type}: unexpected field(s) ${extra.join(", ")}`);
  if (msg.type === "share-stopped") return { type: "share-stopped" };
  if (msg.type === "share-request" || msg.type === "share-declined") {
    if (typeof msg.id !== "string" || !ID_RE.test(msg.id)) throw new GuidanceError(`${msg.type}: bad id`);
    return { type: msg.type, id: msg.id };
  }
  if (msg.type === "share-started") {
    for (const k of ["width", "height"])
      if (!Number.isInteger(msg[k]) || msg[k] < 1 || msg[k] > 16384) throw new GuidanceError(`share-started: bad ${k}`);
    return { type: "share-started", width: msg.width, height: msg.height };
  }
  if (!SURFACES.includes(msg.surface)) throw new GuidanceError(`${msg.type}: bad surface`);
  if (msg.type === "clear-marks") return { type: "clear-marks", surface: msg.surface };
  if (msg.type === "pointer") {
    const visible = msg.visible ?? true;
    if (typeof visible !== "boolean") throw new GuidanceError("pointer: visible must be a boolean");
    return { type: "pointer", surface: msg.surface, x: fraction(msg, "x"), y: fraction(msg, "y"), visible };
  }
  if (typeof msg.id !== "string" || !ID_RE.test(msg.id)) throw new GuidanceError("mark: bad id");
  if (!MARK_KINDS.includes(msg.kind)) throw new GuidanceError("mark: bad kind");
  const text = msg.text ?? "";
  // eslint-disable-next-line no-control-regex
  if (typeof text !== "string" || text.length > MAX_MARK_TEXT_CHARS || /[\u0000-\u001f\u007f]/.test(text))
    throw new GuidanceError("mark: text must be short plain text");
  if ((msg.kind === "text") !== (text.trim() !== "")) throw new GuidanceError("mark: only a text mark carries text");
  const out = { type: "mark", id: msg.id, surface: msg.surface, kind: msg.kind };
  for (const k of ["x1", "y1", "x2", "y2"]) out[k] = fraction(msg, k);
  if (text) out.text = text;
  return out;
}

const COLOURS = { mark: "#e4003a", highlight: "rgba(255, 221, 0, 0.35)", pointer: "#ff2d2d" };

/** The rectangle (in CSS px, relative to the element) where a <video> with object-fit: contain draws. */
export function contentRect(video) {
  const w = video.clientWidth, h = video.clientHeight;
  const vw = video.videoWidth || w, vh = video.videoHeight || h;
  if (!w || !h || !vw || !vh) return { x: 0, y: 0, w, h };
  const scale = Math.min(w / vw, h / vh);
  return { x: (w - vw * scale) / 2, y: (h - vh * scale) / 2, w: vw * scale, h: vh * scale };
}

/** Draws the pointer and marks for one surface on a canvas laid over a video (same box). */
export class GuidanceOverlay {
  constructor(canvas, video, { surface = "citizen" } = {}) {
    this.canvas = canvas;
    this.video = video;
    this.surface = surface;
    this.pointer = null;
    this.marks = new Map();
    this.draws = 0;
    this._raf = 0;
    this._resize = new ResizeObserver(() => this.redraw());
    this._resize.observe(video);
    video.addEventListener("loadedmetadata", () => this.redraw());
    video.addEventListener("resize", () => this.redraw());
  }

  get state() {
    return { pointer: this.pointer, marks: [...this.marks.values()], draws: this.draws };
  }

  /** Apply a validated guidance message meant for this surface; returns true when it changed the view. */
  handle(msg) {
    if (!msg || msg.surface !== this.surface) return false;
    if (msg.type === "pointer") this.pointer = msg.visible ? { x: msg.x, y: msg.y } : null;
    else if (msg.type === "mark") this.marks.set(msg.id, msg);
    else if (msg.type === "clear-marks") this.marks.clear();
    else return false;
    this.redraw();
    return true;
  }

  clear() {
    this.marks.clear();
    this.pointer = null;
    this.redraw();
  }

  dispose() {
    this._resize.disconnect();
    cancelAnimationFrame(this._raf);
  }

  redraw() {
    // Coalesce bursts (30 pointer moves/s) into one paint per animation frame; draw at once if the
    // page is hidden (no animation frames), so state and pixels never disagree for long.
    if (this._raf) return;
    if (document.visibilityState === "hidden") return this.drawNow();
    this._raf = requestAnimationFrame(() => {
      this._raf = 0;
      this.drawNow();
    });
  }

  drawNow() {
    const { canvas, video } = this;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.max(1, Math.round(video.clientWidth * dpr)), ch = Math.max(1, Math.round(video.clientHeight * dpr));
    if (canvas.width !== cw || canvas.height !== ch) Object.assign(canvas, { width: cw, height: ch });
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    const r = contentRect(video);
    const px = (x, y) => [r.x + x * r.w, r.y + y * r.h];
    for (const m of this.marks.values()) drawMark(ctx, m, px);
    if (this.pointer) {
      const [x, y] = px(this.pointer.x, this.pointer.y);
      ctx.beginPath();
      ctx.arc(x, y, 10, 0, 2 * Math.PI);
      ctx.fillStyle = COLOURS.pointer;
      ctx.globalAlpha = 0.85;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#fff";
      ctx.stroke();
    }
    this.draws += 1;
  }
}

function drawMark(ctx, m, px) {
  const [x1, y1] = px(m.x1, m.y1);
  const [x2, y2] = px(m.x2, m.y2);
  ctx.lineWidth = 4;
  ctx.strokeStyle = COLOURS.mark;
  ctx.fillStyle = COLOURS.mark;
  if (m.kind === "box") {
    ctx.strokeRect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
  } else if (m.kind === "highlight") {
    ctx.fillStyle = COLOURS.highlight;
    ctx.fillRect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
  } else if (m.kind === "arrow") {
    const angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    for (const da of [-0.45, 0.45]) ctx.lineTo(x2 - 18 * Math.cos(angle + da), y2 - 18 * Math.sin(angle + da));
    ctx.closePath();
    ctx.fill();
  } else if (m.kind === "text") {
    ctx.font = "bold 18px system-ui, sans-serif";
    ctx.textBaseline = "top";
    const w = ctx.measureText(m.text).width;
    ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
    ctx.fillRect(x1 - 4, y1 - 4, w + 8, 26);
    ctx.fillStyle = COLOURS.mark;
    ctx.fillText(m.text, x1, y1);
  }
}
