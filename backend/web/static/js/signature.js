// The tràmit wizard on the citizen page: documents requested, the summary to sign with the SMS code
// (OTP), the result with the receipt download, and the post-call summary.
//
//   import { mountTramitacio } from "./signature.js";
//   mountTramitacio({ api, events, root });   // api: CitizenApi; events: the page's EventSource
//
// Everything from the server is written with textContent. The section re-renders itself when the
// page language changes (it watches <html lang>), so app.js needs no other hook.

import { asciiDigits, t } from "./i18n.js";

const API = "/api/v1/citizen";
const EVENTS = [
  "tramitacio.documents_requested",
  "tramitacio.summary",
  "tramitacio.signed",
  "tramitacio.reopened",
  "tramitacio.submitted",
  "tramitacio.post_summary",
  "ended",
];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export function mountTramitacio({ api, events, root }) {
  const ui = { state: null, error: null, busy: false, lastStatus: "" };

  async function refresh() {
    try {
      const response = await fetch(`${API}/tramitacio`, { headers: api.headers() });
      if (!response.ok) return;
      ui.state = await response.json();
      render();
    } catch {
      /* offline for a moment: the next event refreshes */
    }
  }

  function announce(msgid) {
    const status = document.getElementById("status");
    if (status) status.textContent = t(msgid);
  }

  function render() {
    const s = ui.state;
    root.replaceChildren();
    if (!s || s.status === "none") {
      root.hidden = true;
      return;
    }
    const parts = [requestedView(s), signView(s), resultView(s), postSummaryView(s)].filter(Boolean);
    root.hidden = parts.length === 0;
    root.append(...parts);
    if (s.status !== ui.lastStatus && s.status === "awaiting_signature") announce("You have received a summary to sign.");
    ui.lastStatus = s.status;
  }

  function requestedView(s) {
    if (!s.requested_documents.length || ["submitted", "signed"].includes(s.status) || s.post_summary) return null;
    const list = el("ul", { class: "sig-docs" });
    for (const doc of s.requested_documents) list.append(el("li", { text: doc.name }));
    return el(
      "section",
      { class: "sig-card", "aria-labelledby": "sig-req-title" },
      el("h2", { id: "sig-req-title", text: t("Documents requested") }),
      el("p", { text: t("The informador asks you to send these documents with “Send document”:") }),
      list,
    );
  }

  function summaryTable(summary) {
    const dl = el("dl", { class: "sig-fields" });
    // dir=auto: a Latin value (a phone number, "<b>" typed by the citizen) keeps its own order on an RTL page.
    for (const field of summary.fields) dl.append(el("dt", { text: field.label }), el("dd", { text: field.value, dir: "auto" }));
    const docs = el("ul", { class: "sig-docs" });
    if (!summary.documents.length) docs.append(el("li", { text: t("No documents.") }));
    for (const doc of summary.documents) {
      docs.append(el("li", {}, el("span", { text: doc.name }), el("code", { class: "sig-hash", text: doc.sha256 })));
    }
    return [
      el("h3", { text: t("Details") }),
      dl,
      el("h3", { text: t("Documents") }),
      docs,
      el("p", { class: "sig-fingerprint" }, el("span", { text: `${t("Fingerprint of the summary (SHA-256)")}: ` }),
        el("code", { class: "sig-hash", text: summary.bound_hash })),
    ];
  }

  function signView(s) {
    if (!s.summary || s.status === "submitted") return null;
    const card = el("section", { class: "sig-card sig-sign", "aria-labelledby": "sig-title" });
    card.append(
      el("h2", { id: "sig-title", tabindex: "-1", text: t("Check the summary and sign") }),
      el("p", { class: "sig-tramit", text: s.summary.tramit_name }),
    );
    // ar/ur: the catalogue's names are in Spanish; the backend's sentence says so, once.
    if (s.summary.names_note) card.append(el("p", { class: "sig-note", text: s.summary.names_note }));
    card.append(...summaryTable(s.summary));
    if (s.status === "signed") {
      card.append(el("p", { class: "sig-ok", role: "status", text: t("Signed. The informador will now file your application.") }));
      return card;
    }
    card.append(el("p", { text: t("Read the summary carefully. If it is correct, type the code we have sent you by SMS to sign it.") }));
    const form = el("form", { id: "sig-form", novalidate: "" });
    const input = el("input", {
      id: "sig-otp", name: "otp", type: "text", inputmode: "numeric", autocomplete: "one-time-code",
      pattern: "[0-9]{6}", maxlength: "6", required: "", class: "pin-input", "aria-describedby": "sig-error",
    });
    const error = el("p", { id: "sig-error", class: "error", role: "alert" });
    if (ui.error) {
      error.textContent = t(ui.error[0], ui.error[1]);
      input.setAttribute("aria-invalid", "true");
    }
    const button = el("button", { id: "sig-submit", type: "submit", class: "primary", text: t("Sign") });
    button.disabled = ui.busy;
    form.append(
      el("div", { class: "field" }, el("label", { for: "sig-otp", text: t("Signing code (6 digits, sent by SMS)") }), input),
      error,
      el("div", { class: "actions" }, button),
    );
    form.addEventListener("submit", (event) => submitOtp(event, input));
    card.append(form);
    return card;
  }

  async function submitOtp(event, input) {
    event.preventDefault();
    const otp = asciiDigits(input.value).replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(otp)) {
      ui.error = ["The code has 6 digits. Type only the numbers.", {}];
      render();
      document.getElementById("sig-otp").focus();
      return;
    }
    ui.busy = true;
    try {
      const response = await fetch(`${API}/signature`, {
        method: "POST",
        headers: api.headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ otp }),
      });
      const body = await response.json().catch(() => ({}));
      ui.error = response.ok ? null : otpError(response.status, body);
      if (response.ok) announce("Signed. The informador will now file your application.");
    } catch {
      ui.error = ["Could not connect. Check your internet connection and try again.", {}];
    } finally {
      ui.busy = false;
    }
    await refresh();
    const again = document.getElementById("sig-otp");
    if (again && ui.error) again.focus();
  }

  function otpError(status, body) {
    const code = body.code || "";
    if (code === "otp_wrong" && body.attempts_left > 0) return ["The code is not correct. Attempts left: {n}.", { n: body.attempts_left }];
    if (code === "otp_wrong" || code === "otp_void") return ["This code can no longer be used. Ask the informador to send you a new one.", {}];
    if (code === "otp_expired") return ["This code has expired. Ask the informador to send you a new one.", {}];
    if (code === "otp_used") return ["This code has already been used.", {}];
    if (code === "signature_invalidated" || code === "no_signature_pending") return ["The summary has changed. Wait for the new summary.", {}];
    return ["Could not connect. Check your internet connection and try again.", {}];
  }

  function receiptButton() {
    const button = el("button", { id: "sig-receipt", type: "button", class: "primary", text: t("Download the receipt (PDF)") });
    button.addEventListener("click", downloadReceipt);
    return button;
  }

  function resultView(s) {
    if (s.status !== "submitted") return null;
    return el(
      "section",
      { class: "sig-card sig-result", "aria-labelledby": "sig-done-title" },
      el("h2", { id: "sig-done-title", tabindex: "-1", text: t("Your application has been filed") }),
      el("p", { class: "sig-tramit", text: s.tramit_name }),
      el("p", { class: "sig-registry" }, el("span", { text: `${t("Registry number")}: ` }), el("strong", { id: "sig-registry", text: s.registry_number })),
      s.receipt_available ? receiptButton() : null,
    );
  }

  function postSummaryView(s) {
    const p = s.post_summary;
    if (!p) return null;
    const card = el("section", { class: "sig-card sig-post", "aria-labelledby": "sig-post-title" });
    card.append(el("h2", { id: "sig-post-title", tabindex: "-1", text: t("Summary of your appointment") }));
    card.append(el("h3", { text: t("What was done") }), el("p", { id: "sig-post-done", text: p.what_was_done }));
    if (p.names_note) card.append(el("p", { class: "sig-note", text: p.names_note }));
    if (p.registry_number) {
      card.append(el("p", { class: "sig-registry" }, el("span", { text: `${t("Registry number")}: ` }), el("strong", { text: p.registry_number })));
    }
    if (p.next_steps.length) {
      const list = el("ul");
      for (const step of p.next_steps) list.append(el("li", { text: step }));
      card.append(el("h3", { text: t("Next steps") }), list);
    }
    if (p.missing_documents.length) {
      const list = el("ul", { class: "sig-missing" });
      for (const name of p.missing_documents) list.append(el("li", { text: name }));
      card.append(el("h3", { text: t("Missing documents") }), list);
    }
    return card;
  }

  async function downloadReceipt() {
    try {
      const response = await fetch(`${API}/tramitacio/receipt`, { headers: api.headers() });
      if (!response.ok) throw new Error(String(response.status));
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: `justificant-${ui.state.registry_number || "videoatencio"}.pdf` });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      announce("Could not download the document. Try again.");
    }
  }

  for (const type of EVENTS) events.addEventListener(type, () => refresh());
  // Re-render in the new language when the page's language changes.
  new MutationObserver(() => render()).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  refresh();
  return { refresh, get state() { return ui.state; } };
}
