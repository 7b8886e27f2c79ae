// The AuthZEN conformance corpus (wasm/edge/testdata/conformance.json), judged as
// wasm/edge/conformance_test.go judges it, for a server reached through send(method, path,
// {token, body, contentType, headers}) → {status, headers, json, text}.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { root } from "./wrangler.mjs";

export async function conformanceCases() {
  return JSON.parse(await readFile(path.join(root, "wasm/edge/testdata/conformance.json"), "utf8")).cases;
}

const requestID = "conformance-check-1";

// matches: objects have at least the wanted members, lists exactly the wanted items.
function matches(at, want, got) {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${at} has ${got?.length} items, want ${want.length}`;
    for (let i = 0; i < want.length; i++) { const p = matches(`${at}[${i}]`, want[i], got[i]); if (p) return p; }
    return "";
  }
  if (want && typeof want === "object") {
    if (!got || typeof got !== "object") return `${at} is not an object`;
    for (const [k, v] of Object.entries(want)) { const p = matches(`${at}.${k}`, v, got[k]); if (p) return p; }
    return "";
  }
  return want === got ? "" : `${at} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

function judge(c, r) {
  const e = c.expect, out = [];
  const statuses = Array.isArray(e.status) ? e.status : [e.status];
  if (!statuses.includes(r.status)) return [`status ${r.status}, want ${statuses}: ${r.text}`];
  if (!(r.headers.get("content-type") || "").startsWith("application/json")) out.push(`Content-Type ${r.headers.get("content-type")}`);
  if (r.status >= 400 && !(r.json?.error?.code && r.json.error.message)) out.push(`an error answer without error.code and error.message: ${r.text}`);
  if (e.echo_request_id && r.headers.get("x-request-id") !== requestID) out.push(`X-Request-ID ${r.headers.get("x-request-id")}, want it echoed`);
  if (e.www_authenticate && !r.headers.get("www-authenticate")) out.push("no WWW-Authenticate");
  if (e.match) { const p = matches("", e.match, r.json); if (p) out.push(`${p} in ${r.text}`); }
  for (const k of e.absent || []) if (r.json && k in r.json) out.push(`the answer has ${k}: ${r.text}`);
  for (const k of e.keys || []) if (!(r.json && k in r.json)) out.push(`the answer lacks ${k}: ${r.text}`);
  if (e.first_key && !r.text.startsWith(`{"${e.first_key}"`)) out.push(`${e.first_key} is not the first member: ${r.text}`);
  for (const k of e.nonempty || []) if (!(r.json?.[k]?.length > 0)) out.push(`${k} is empty: ${r.text}`);
  for (const [k, want] of Object.entries(e.every || {})) (r.json?.[k] || []).forEach((x, i) => { const p = matches(`${k}[${i}]`, want, x); if (p) out.push(p); });
  for (const [k, members] of Object.entries(e.every_has || {})) (r.json?.[k] || []).forEach((x, i) => { for (const m of members) if (!x?.[m]) out.push(`${k}[${i}] lacks ${m}`); });
  if (e.no_empty_values) for (const [k, v] of Object.entries(r.json || {})) if (v === null || v === "") out.push(`${k} is null or empty`);
  return out;
}

async function paginate(first, body, send) {
  const q = JSON.parse(body);
  const limit = q.page?.limit || 0;
  const seen = new Set();
  let r = first, total = -1, n = 0;
  for (let pages = 0; ; pages++) {
    if (r.status !== 200 || pages > 1000) return [`page ${pages + 1}: ${r.status} ${r.text}`];
    const { page, results } = r.json;
    if (!page || page.count !== results.length || (limit && results.length > limit)) return [`page ${pages + 1}: count does not match its results or the limit: ${r.text}`];
    if (total >= 0 && page.total !== total) return [`page ${pages + 1}: total changed: ${r.text}`];
    total = page.total;
    for (const x of results) {
      const k = JSON.stringify(x);
      if (seen.has(k)) return [`page ${pages + 1} repeats ${k}`];
      seen.add(k);
      n++;
    }
    if (!page.next_token) break;
    q.page = { limit, token: page.next_token };
    r = await send(JSON.stringify(q));
  }
  return n === total ? [] : [`the pages hold ${n} results, total says ${total}`];
}

// runCase sends the case (twice when it asks for the same bytes, then every page) and
// lists what the answers get wrong.
export async function runCase(c, call, tokens) {
  const method = c.method || "POST";
  const body = c.raw !== undefined ? c.raw : c.body !== undefined ? JSON.stringify(c.body) : undefined;
  const contentType = c.content_type ?? "application/json";
  const send = (b) => {
    const headers = { "x-request-id": requestID };
    if (contentType && (b !== undefined || method !== "GET")) headers["content-type"] = contentType;
    return call(method, c.path, { t: tokens[c.token || "service"], body: b ?? undefined, headers, raw: true });
  };
  const r = await send(body);
  const out = judge(c, r);
  if (c.expect.same_bytes) {
    const again = await send(body);
    if (again.text !== r.text) out.push(`the same request answered other bytes:\n${r.text}\n${again.text}`);
  }
  if (c.expect.paginate) out.push(...(await paginate(r, body, send)));
  return out;
}
