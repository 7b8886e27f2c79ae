// Edge mode: when the edge worker serves the site, /.well-known/authzen-configuration answers
// 200 (a static host answers 404), and the workbench signs in with a token (JWT) pasted by
// the user, kept in sessionStorage for this tab only. Then the snapshot comes from
// GET /v1/snapshot (ETag = its version) and a batch is pushed with POST /v1/edits (SPEC §10).
import { state, emit } from "./state.js";
import { h, clear } from "./ui.js";

const KEY = "connsec.token";
let hooks = null;

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
  if (edge.token()) await fetchSnapshot();
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
    await fetchSnapshot();
  } }, h("label", { for: "edge-token" }, "Sign in"), input, h("button", { class: "primary" }, "Sign in")),
  message ? h("span", { class: "no", role: "alert" }, message) : null);
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${edge.token()}`, Accept: "application/json", ...extra };
}

async function errorOf(res) {
  try { return (await res.json()).error || {}; } catch { return {}; }
}

// fetchSnapshot loads the caller's view of the snapshot from the server.
export async function fetchSnapshot({ keepBatch = false } = {}) {
  const res = await fetch("/v1/snapshot", { headers: headers() });
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    drawBox(`The server did not accept the token: ${(await errorOf(res)).message || "sign in again"}`);
    return false;
  }
  if (!res.ok) {
    drawBox(`The snapshot could not be read: ${(await errorOf(res)).message || res.status}`);
    return false;
  }
  const etag = (res.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
  const text = await res.text();
  const ok = await hooks.loadSnapshot(text, "the server's snapshot", { keepBatch });
  if (ok) {
    state.edge = { version: etag === "" ? state.doc.version : Number(etag) };
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
  const body = { actor: edge.subject() || batch.actor, base_version: state.edge?.version ?? batch.base_version, edits: batch.edits };
  const res = await fetch("/v1/edits", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() }),
    body: JSON.stringify(body),
  });
  if (res.ok) {
    const out = await res.json();
    await fetchSnapshot();
    return { ok: true, ...out };
  }
  const err = await errorOf(res);
  const out = { ok: false, status: res.status, code: err.code || String(res.status), message: err.message || res.statusText, index: err.index, path: err.path };
  if (res.status === 409) {
    await fetchSnapshot({ keepBatch: true });
    out.message = `Someone changed the snapshot first; it is now version ${state.edge.version}. It was loaded again and the what-if below was run again on it: check the changes, then push again.`;
  }
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    drawBox("Your sign-in has expired: sign in again.");
  }
  return out;
}
