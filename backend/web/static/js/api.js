// The citizen's REST and SSE client (docs/API.md, "Citizen join, PIN, waiting room and signalling").

const API = "/api/v1/citizen";

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function fail(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON: keep the status */
  }
  throw new ApiError(response.status, body.code || "", body.detail || "");
}

export class CitizenApi {
  // role "interpreter": the same page for a third party invited into a call (routes /interpreter/...).
  constructor(role = "citizen") {
    this.token = "";
    this.base = role === "interpreter" ? "/api/v1/interpreter" : API;
    this.tokenParam = role === "interpreter" ? "interpreter_token" : "citizen_token";
  }

  async openInterpreterSession(inviteToken) {
    const response = await fetch(`${this.base}/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ invite_token: inviteToken }),
    });
    if (!response.ok) await fail(response);
    this.token = (await response.json()).interpreter_token;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async openSession(joinToken, pin, language) {
    const response = await fetch(`${API}/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ join_token: joinToken, pin, language }),
    });
    if (!response.ok) await fail(response);
    const body = await response.json();
    this.token = body.citizen_token;
    return body;
  }

  async post(path, payload) {
    const init = { method: "POST", headers: this.headers() };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const response = await fetch(`${this.base}${path}`, init);
    if (!response.ok) await fail(response);
    return response.status === 204 || response.status === 202 ? null : response.json();
  }

  enterWaitingRoom() {
    return this.post("/waiting");
  }

  leave() {
    return this.post("/leave");
  }

  sendSignal(message) {
    return this.post("/signal", { message });
  }

  async iceServers() {
    const response = await fetch(`${this.base}/ice`, { headers: this.headers() });
    if (!response.ok) await fail(response);
    return (await response.json()).ice_servers;
  }

  // EventSource cannot send headers, hence the token in the query (the only route that accepts it).
  events() {
    return new EventSource(`${this.base}/events?${this.tokenParam}=${encodeURIComponent(this.token)}`);
  }

  async uploadDocument(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const response = await fetch(`${API}/documents`, { method: "POST", headers: this.headers(), body: form });
    if (!response.ok) await fail(response);
    return response.json();
  }

  async downloadDocument(doc) {
    const response = await fetch(`${API}/documents/${encodeURIComponent(doc.id)}`, { headers: this.headers() });
    if (!response.ok) await fail(response);
    return response.blob();
  }
}
