// The citizen's screen sharing, and the informador's shared screen, on the citizen page.
//
// Plain ES module on top of CitizenCall (./call.js) and ./guidance.js. The page calls one function:
//
//   import { mountScreenShare } from "./screenshare.js";
//   const ui = mountScreenShare({ call, root: document.getElementById("screenshare"), t });
//   // call: the CitizenCall instance; root: an empty element in the call view; t: i18n.js's t (optional)
//   ui.destroy();   // when the call ends (stops a running share)
//
// It adds: a "Share my screen" button (or, where the browser cannot share, plain step-by-step help),
// a preview of what the citizen shares with the informador's pointer and marks drawn over it, "Stop
// sharing" and "Clear marks"; and, while the informador shares, their screen as the main picture with
// their camera as a thumbnail, with their pointer and marks. When the informador asks for the screen
// (a share-request message, assisted processing), a prompt with a Share button: getDisplayMedia needs
// the citizen's own click, so the page can only ask. Nothing is recorded. All text is set with
// textContent. Styles: /css/screenshare.css.

import { GuidanceOverlay } from "./guidance.js";

/** Can this browser share its screen? {supported, platform: "ios" | "android" | "desktop"} */
export function screenShareSupport(nav = globalThis.navigator) {
  const ua = nav?.userAgent ?? "";
  const touchMac = /Macintosh/.test(ua) && (nav?.maxTouchPoints ?? 0) > 1; // iPadOS says "Macintosh"
  const platform = /iPhone|iPad|iPod/.test(ua) || touchMac ? "ios" : /Android/.test(ua) ? "android" : "desktop";
  const supported = typeof nav?.mediaDevices?.getDisplayMedia === "function" && platform === "desktop";
  return { supported, platform };
}

/** Plain-words help, as a list of steps (English msgids for i18n.js's t). */
export function shareHelpSteps(platform, t = (s) => s) {
  const common = [
    t("You can still be helped: tell the informador what you see on your screen, step by step."),
    t("The informador can share their own screen to show you where to tap."),
    t("You can also take a screenshot and send it with “Documents”."),
  ];
  if (platform === "ios")
    return [
      t("iPhone and iPad browsers cannot share the screen in a video call."),
      t("If you can, join this call again from a computer (Chrome, Edge or Firefox) with the same link."),
      ...common,
    ];
  if (platform === "android")
    return [
      t("The browser on this phone or tablet cannot share the screen in a video call."),
      t("If you can, join this call again from a computer (Chrome, Edge or Firefox) with the same link."),
      ...common,
    ];
  return [
    t("This browser cannot share the screen. Please use an up-to-date Chrome, Edge or Firefox."),
    t("Open the same link in that browser to join the call again."),
    ...common,
  ];
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/** One screen picture (a <video>) with its guidance overlay and an optional camera thumbnail. */
class ScreenStage {
  constructor(surface, label) {
    this.root = el("div", { class: "ss-stage", role: "region", "aria-label": label });
    this.video = el("video", { class: "ss-video", playsinline: "", autoplay: "" });
    this.video.muted = true;
    this.canvas = el("canvas", { class: "ss-overlay", "aria-hidden": "true" });
    this.thumb = el("video", { class: "ss-thumb", playsinline: "", autoplay: "" });
    this.thumb.muted = true; // the call's audio plays in the page's own element
    this.thumb.hidden = true;
    this.root.append(this.video, this.canvas, this.thumb);
    this.overlay = new GuidanceOverlay(this.canvas, this.video, { surface });
  }

  show(stream, cameraStream) {
    if (this.video.srcObject !== stream) this.video.srcObject = stream;
    const cam = cameraStream?.getVideoTracks().length ? new MediaStream(cameraStream.getVideoTracks()) : null;
    this.thumb.hidden = !cam;
    if (cam && this.thumb.srcObject?.getVideoTracks()[0] !== cam.getVideoTracks()[0]) this.thumb.srcObject = cam;
    this.root.hidden = false;
  }

  hide() {
    this.root.hidden = true;
    this.video.srcObject = null;
    this.thumb.srcObject = null;
    this.overlay.clear();
  }
}

/** The citizen's own share: getDisplayMedia → the call's screen m-line, preview with guidance. */
export class CitizenScreenShare extends EventTarget {
  constructor({ call, stage, t = (s) => s }) {
    super();
    this.call = call;
    this.stage = stage;
    this.t = t;
    this.track = null;
    this.lastError = null;
  }

  get sharing() {
    return this.track !== null;
  }

  /** Ask the browser for a screen, window or tab (needs a click: user activation). */
  async start() {
    if (this.track) return true;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 15, max: 15 }, width: { max: 1920 }, height: { max: 1080 } },
        audio: false,
      });
    } catch (err) {
      // NotAllowedError: the citizen pressed Cancel; nothing to say beyond "not sharing".
      this.lastError = err?.name ?? String(err);
      this.dispatchEvent(new CustomEvent("error", { detail: this.lastError }));
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if ("contentHint" in track) track.contentHint = "detail"; // keep text sharp rather than smooth
    track.addEventListener("ended", () => this.stop()); // the browser's own "Stop sharing" bar
    this.track = track;
    this.stage.show(new MediaStream([track]), this.call.remoteStream);
    await this.call.startScreenShare(track);
    this.dispatchEvent(new CustomEvent("change", { detail: true }));
    return true;
  }

  async stop() {
    const track = this.track;
    if (!track) return;
    this.track = null;
    track.stop();
    this.stage.hide();
    await this.call.stopScreenShare();
    this.dispatchEvent(new CustomEvent("change", { detail: false }));
  }

  /** Remove the informador's marks here, and tell the console so its view matches. */
  clearMarks() {
    this.stage.overlay.clear();
    this.call.sendGuidance({ type: "clear-marks", surface: "citizen" });
  }
}

/** "The informador asks you to share your screen": Share (the citizen's click starts getDisplayMedia)
 *  or Not now (tells the console). Where the browser cannot share, Share shows the plain-words help. */
export class ShareRequestPrompt {
  constructor({ call, share, help, supported, t = (s) => s }) {
    Object.assign(this, { call, share, help, supported, t });
    this.requestId = null;
    this.root = el("section", { class: "ss-request", role: "alertdialog", "aria-modal": "false" });
    this.root.hidden = true;
    this.title = el("h2", { id: "ss-request-title" });
    this.text = el("p", { id: "ss-request-text" });
    this.root.setAttribute("aria-labelledby", this.title.id);
    this.root.setAttribute("aria-describedby", this.text.id);
    this.shareBtn = el("button", { type: "button", class: "ss-request-share" });
    this.declineBtn = el("button", { type: "button", class: "ss-request-decline" });
    const buttons = el("div", { class: "ss-request-buttons" });
    buttons.append(this.shareBtn, this.declineBtn);
    this.root.append(this.title, this.text, buttons);
    this.shareBtn.addEventListener("click", () => this._share());
    this.declineBtn.addEventListener("click", () => this.decline());
  }

  get visible() {
    return !this.root.hidden;
  }

  /** A share-request arrived: ask (texts in the page's language now), or nothing if already sharing. */
  show(id) {
    if (this.share.sharing) return;
    this.requestId = id;
    // data-i18n keeps the English msgid, so changing the page's language re-translates the prompt.
    const say = (node, msgid) => {
      node.dataset.i18n = msgid;
      node.textContent = this.t(msgid);
    };
    say(this.title, "The informador asks you to share your screen");
    say(
      this.text,
      "They will see what you choose to share and can point at it to guide you. Nothing is recorded. You can stop at any time.",
    );
    say(this.shareBtn, this.supported ? "Share my screen" : "How to share your screen");
    say(this.declineBtn, "Not now");
    this.root.hidden = false;
    this.shareBtn.focus(); // an alert dialog takes the focus, so keyboard and screen-reader users are there
  }

  hide() {
    this.root.hidden = true;
    this.requestId = null;
  }

  /** Tell the console "no" (the informador sees "declined") and put the prompt away. */
  decline() {
    const id = this.requestId;
    this.hide();
    if (id) this.call.sendGuidance({ type: "share-declined", id });
  }

  async _share() {
    if (!this.supported) {
      this.help.hidden = false; // the steps for this phone/tablet; the citizen can still say "Not now"
      return;
    }
    // Called straight from the click, so getDisplayMedia has its user activation.
    const started = await this.share.start();
    if (!started && this.requestId) this.decline(); // the citizen cancelled the browser's own picker
  }
}

/** Build the screen-sharing UI inside ``root``; see the module comment. */
export function mountScreenShare({ call, root, t = (s) => s }) {
  root.classList.add("ss-root");
  const support = screenShareSupport();
  const local = new ScreenStage("citizen", t("What you are sharing"));
  const remote = new ScreenStage("informador", t("The informador's screen"));
  local.hide();
  remote.hide();
  const share = new CitizenScreenShare({ call, stage: local, t });

  const bar = el("div", { class: "ss-bar" });
  const startBtn = el("button", { type: "button", class: "ss-start" }, t("Share my screen"));
  const stopBtn = el("button", { type: "button", class: "ss-stop" }, t("Stop sharing"));
  const clearBtn = el("button", { type: "button", class: "ss-clear" }, t("Clear marks"));
  const status = el("p", { class: "ss-status", role: "status" });
  stopBtn.hidden = clearBtn.hidden = true;
  const help = el("div", { class: "ss-help" });
  help.hidden = true;
  help.append(el("h2", {}, t("How to share your screen")));
  const steps = el("ol");
  for (const step of shareHelpSteps(support.platform, t)) steps.append(el("li", {}, step));
  help.append(steps);
  if (!support.supported) {
    startBtn.textContent = t("How to share your screen");
    startBtn.addEventListener("click", () => (help.hidden = !help.hidden));
  } else {
    startBtn.addEventListener("click", () => share.start());
  }
  stopBtn.addEventListener("click", () => share.stop());
  clearBtn.addEventListener("click", () => share.clearMarks());
  bar.append(startBtn, stopBtn, clearBtn);
  const request = new ShareRequestPrompt({ call, share, help, supported: support.supported, t });
  root.append(request.root, bar, status, help, remote.root, local.root);

  const onShareChange = (e) => {
    const on = e.detail;
    startBtn.hidden = on;
    stopBtn.hidden = clearBtn.hidden = !on;
    if (on) request.hide(); // answered by sharing, whichever button started it
    status.textContent = on ? t("You are sharing your screen. Nothing is recorded.") : "";
    root.classList.toggle("ss-sharing", on);
  };
  share.addEventListener("change", onShareChange);

  const showRemote = () => {
    if (call.remoteSharing && call.remoteScreenStream) {
      remote.show(call.remoteScreenStream, call.remoteStream);
      root.classList.add("ss-remote-active");
    }
  };
  const onGuidance = (e) => {
    const msg = e.detail;
    if (msg.type === "share-request") request.show(msg.id);
    else if (msg.type === "share-declined") return; // only the console acts on it
    else if (msg.type === "share-started") showRemote();
    else if (msg.type === "share-stopped") {
      remote.hide();
      root.classList.remove("ss-remote-active");
    } else if (msg.surface === "citizen") local.overlay.handle(msg);
    else remote.overlay.handle(msg);
  };
  call.addEventListener("guidance", onGuidance);
  call.addEventListener("remotescreen", showRemote);
  const onState = (e) => {
    if (e.detail === "ended" || e.detail === "failed") ui.destroy();
  };
  call.addEventListener("state", onState);

  const ui = {
    share,
    local,
    remote,
    support,
    request,
    /** For tests and accessibility: what is drawn on each surface. */
    get state() {
      return { sharing: share.sharing, local: local.overlay.state, remote: remote.overlay.state };
    },
    destroy() {
      call.removeEventListener("guidance", onGuidance);
      call.removeEventListener("remotescreen", showRemote);
      call.removeEventListener("state", onState);
      request.hide();
      share.stop();
      local.overlay.dispose();
      remote.overlay.dispose();
    },
  };
  return ui;
}
