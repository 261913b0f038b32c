// HTTP access to clustersim's two public surfaces (/api/v1 and /sim/v1) with Basic auth.
// The dashboard uses only what any client could use; nothing here is private to the page.

const STORAGE_KEY = "clustersim.credentials";

let authHeader = null;
/** The fleet cluster the dashboard works on (null: this listener's own). */
let cluster = null;

export function setCluster(name) {
  cluster = name || null;
}

/** `/api/v1/x` and `/sim/v1/x` of the chosen cluster, through this listener. */
function route(path) {
  if (!cluster) return path;
  const base = `/sim/v1/clusters/${encodeURIComponent(cluster)}`;
  if (path.startsWith("/sim/v1/")) return base + path.slice("/sim/v1".length);
  if (path.startsWith("/api/")) return base + path;
  return path;
}

/** An API call that did not succeed; `message` is meant for the user as is. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function basic(user, password) {
  // btoa only takes Latin-1: encode UTF-8 first so any user name works.
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

export function setCredentials(user, password) {
  authHeader = basic(user, password);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ user, password }));
}

/** Credentials kept for this browser tab, or null. */
export function storedCredentials() {
  try {
    const c = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return c && typeof c.user === "string" && typeof c.password === "string" ? c : null;
  } catch {
    return null;
  }
}

export function clearCredentials() {
  authHeader = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Pulls the user-facing message out of any error body shape the server may use. */
function messageOf(body, text, status) {
  if (body && typeof body === "object") {
    if (body.result && typeof body.result.message === "string" && body.result.message) {
      return body.result.message;
    }
    for (const k of ["error", "message", "detail"]) {
      if (typeof body[k] === "string" && body[k]) return body[k];
    }
  }
  if (text && text.length < 500) return text.trim();
  return `HTTP ${status}`;
}

async function request(method, path, body, direct) {
  if (!direct) path = route(path);
  const headers = { Accept: "application/json" };
  if (authHeader) headers.Authorization = authHeader;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`Cannot reach the server (${e.message})`, 0);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    // A lockout says why and for how long in a header (the body stays the product's).
    const why = res.headers.get("x-clustersim-lockout");
    throw new ApiError(why || messageOf(json, text, res.status), res.status);
  }
  return json;
}

/** GET of a text answer (CSV, XML) with the credentials. */
export async function getText(path) {
  const headers = authHeader ? { Authorization: authHeader } : {};
  const res = await fetch(path, { headers, cache: "no-store" });
  const text = await res.text();
  if (!res.ok) throw new ApiError(messageOf(null, text, res.status), res.status);
  return text;
}

/** GET returning the parsed JSON; REST failures (non-zero result.code) throw. */
export async function get(path, { direct = false } = {}) {
  const json = await request("GET", path, undefined, direct);
  if (json && json.result && json.result.code !== 0) {
    throw new ApiError(json.result.message || `${path}: result code ${json.result.code}`, 200);
  }
  return json;
}

/**
 * POST of an operation. The product answers 200 even when the operation failed: a
 * non-empty `result.message` (or a non-zero code) means it did not happen.
 */
export async function post(path, body) {
  const json = await request("POST", path, body);
  // `/sim/v1/operations` answers `{"result": "applied"}`; only an object is the product's.
  if (json && json.result && typeof json.result === "object") {
    const { code, message } = json.result;
    if (message) throw new ApiError(message, 200);
    if (code !== 0) throw new ApiError(`The operation failed (code ${code}).`, 200);
  }
  return json;
}

export async function del(path) {
  return request("DELETE", path);
}

/**
 * Reads `/sim/v1/events/stream` with fetch (EventSource cannot send an Authorization
 * header) and calls `onEvent` with each parsed event, or `{__reset: true}` for an
 * `event: reset` (the simulation was reset); `onOpen` once connected.
 * Resolves when the stream ends, rejects on errors; `signal` aborts it.
 */
export async function streamEvents(since, onEvent, signal, onOpen) {
  const headers = { Accept: "text/event-stream" };
  if (authHeader) headers.Authorization = authHeader;
  if (since !== null && since !== undefined) headers["Last-Event-ID"] = String(since - 1);
  const q = since !== null && since !== undefined ? `?since=${since}` : "";
  const res = await fetch(route(`/sim/v1/events/stream${q}`), { headers, signal, cache: "no-store" });
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => "");
    throw new ApiError(messageOf(null, text, res.status), res.status);
  }
  if (onOpen) onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  let name = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === "") {
        if (name === "reset") onEvent({ __reset: true });
        else if (data.length) dispatch(data.join("\n"), onEvent);
        data = [];
        name = "";
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      } else if (line.startsWith("event:")) {
        name = line.slice(6).trim();
      }
      // `id:` (= seq, also in the data), `retry:` and `:` comments carry nothing we need.
    }
  }
}

function dispatch(text, onEvent) {
  let ev;
  try {
    ev = JSON.parse(text);
  } catch {
    return;
  }
  if (Array.isArray(ev)) ev.forEach(onEvent);
  else if (ev && typeof ev === "object") onEvent(ev);
}
