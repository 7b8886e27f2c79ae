// Edge mode: when the edge worker serves the site, /.well-known/authzen-configuration answers
// 200 (a static host answers 404), and the workbench signs in with a token (JWT) pasted by
// the user, kept in sessionStorage for this tab only. Then the snapshot comes from
// GET /v1/snapshot (ETag = its consistency token) and a batch is pushed with POST /v1/edits (SPEC §10).
import { state, emit } from "./state.js";
import { h, clear } from "./ui.js";

const KEY = "connsec.token";
let hooks = null;
// unanswered: the last push that got no answer ({body, key}). Pushing the same body again
// reuses its Idempotency-Key, so a batch the server applied before its answer was lost is
// not applied twice (SPEC §10).
let unanswered = null;

export const edge = {
  on: false,
  token: () => sessionStorage.getItem(KEY) || "",
  // subject is the person the token names (its sub); edits are made with them as actor
  subject() {
    try {
      const payload = this.token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload)).sub || "";
    } catch { return ""; }
  },
};

export async function startEdge(h2) {
  hooks = h2;
  let res;
  try { res = await fetch("/.well-known/authzen-configuration", { headers: { Accept: "application/json" } }); } catch { return; }
  if (!res.ok || !(res.headers.get("Content-Type") || "").includes("json")) return;
  edge.on = true;
  drawBox();
  if (edge.token() && await fetchSnapshot()) showLoaded();
}

// showLoaded: once signed in, the server's snapshot is what there is to look at; the Open
// panel (bundled examples, its summary far below them) is left for Browse. A panel the
// person chose before stays.
function showLoaded() {
  if (document.getElementById("tab-open")?.getAttribute("aria-selected") === "true") hooks.selectTab("browse");
}

function drawBox(message) {
  const box = document.getElementById("edge");
  box.hidden = false;
  if (edge.token()) {
    clear(box, h("span", {}, `Signed in as ${edge.subject() || "(no subject in the token)"}`),
      h("button", { type: "button", onclick: () => fetchSnapshot() }, "Reload from server"),
      h("button", { type: "button", onclick: () => { sessionStorage.removeItem(KEY); drawBox(); } }, "Sign out"),
      message ? h("span", { class: "no", role: "alert" }, message) : null);
    return;
  }
  const input = h("input", { id: "edge-token", type: "password", autocomplete: "off", size: "28", placeholder: "paste your token" });
  clear(box, h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    sessionStorage.setItem(KEY, input.value.trim());
    drawBox();
    if (await fetchSnapshot()) showLoaded();
  } }, h("label", { for: "edge-token" }, "Sign in"), input, h("button", { class: "primary" }, "Sign in")),
  message ? h("span", { class: "no", role: "alert" }, message) : null);
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${edge.token()}`, Accept: "application/json", ...extra };
}

async function errorOf(res) {
  try { return (await res.json()).error || {}; } catch { return {}; }
}

// fetchSnapshot loads the caller's view of the snapshot from the server. atLeast is a
// consistency token the caller knows of (the one its push answered, the one a conflict named):
// the worker answers from a read model that may lag for up to a second, and at_least_version
// makes it catch up first, so a coordinator sees their own push. Not kept in the browser's cache:
// it is security data, and an old copy would come back for a stale read model's 304.
export async function fetchSnapshot({ keepBatch = false, atLeast = 0 } = {}) {
  let res;
  try {
    res = await fetch(atLeast ? `/v1/snapshot?at_least_version=${encodeURIComponent(atLeast)}` : "/v1/snapshot", { headers: headers(), cache: "no-store" });
  } catch {
    drawBox("The server could not be reached: check the connection, then reload from the server.");
    return false;
  }
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    // the worker's reason starts with the same words ("the token is not accepted: …")
    const reason = ((await errorOf(res)).message || "sign in again").replace(/^the token is not accepted: /, "");
    drawBox(`The server did not accept the token: ${reason}`);
    return false;
  }
  if (!res.ok) {
    drawBox(`The snapshot could not be read: ${(await errorOf(res)).message || res.status}`);
    return false;
  }
  // the ETag is the consistency token of the state (SPEC §10.2), sent back as base_version;
  // the document's own version is its agency's, the one shown
  const tagged = /^(?:W\/)?"?([^"]+)"?$/.exec(res.headers.get("ETag") || "");
  const text = await res.text();
  const ok = await hooks.loadSnapshot(text, "the server's snapshot", { keepBatch });
  if (ok) {
    state.edge = { version: state.doc.version, token: tagged ? tagged[1] : undefined };
    if (edge.subject()) state.batch.actor = edge.subject();
    state.batch.base_version = state.edge.version;
    emit("batch");
  }
  return ok;
}

// push sends the batch; it answers {ok, version, summary, notifications} or
// {ok: false, status, code, message, index?, path?}. On a version conflict the snapshot is
// fetched again and loaded, the batch kept (rebased on the new version) for another look.
export async function push(batch) {
  const body = JSON.stringify({ actor: edge.subject() || batch.actor, base_version: state.edge?.token ?? state.edge?.version ?? batch.base_version, edits: batch.edits });
  const key = unanswered?.body === body ? unanswered.key : crypto.randomUUID();
  unanswered = { body, key };
  let res;
  try {
    res = await fetch("/v1/edits", { method: "POST", headers: headers({ "Content-Type": "application/json", "Idempotency-Key": key }), body });
  } catch {
    return { ok: false, status: 0, code: "no_answer", message: "The server could not be reached, or its answer was lost: push again. The batch goes with the same key, so the server applies it once at most." };
  }
  unanswered = null;
  if (res.ok) {
    const out = await res.json();
    await fetchSnapshot({ atLeast: out.version });
    return { ok: true, ...out };
  }
  const answer = await res.json().catch(() => ({}));
  const err = answer.error || {};
  // index -1 (or none) is the whole batch (a version conflict, the actor): no edit to point at
  const index = Number.isInteger(err.index) && err.index >= 0 ? err.index : undefined;
  const out = { ok: false, status: res.status, code: err.code || String(res.status), message: err.message || res.statusText, index, path: index === undefined ? undefined : err.path };
  if (index === undefined && err.path) out.message += ` (${err.path})`;
  if (res.status === 409) {
    out.message = await fetchSnapshot({ keepBatch: true, atLeast: typeof answer.version === "string" ? answer.version : undefined })
      ? `Someone changed the snapshot first; it is now version ${state.edge.version}. It was loaded again and the what-if below was run again on it: check the changes, then push again.`
      : "Someone changed the snapshot first, and it could not be loaded again (see above, by the sign-in): reload from the server, then push again.";
  }
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    drawBox("Your sign-in has expired: sign in again.");
  }
  return out;
}
