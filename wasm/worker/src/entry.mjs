// The worker's entry: static assets (site/) are served by Workers before this runs; every
// other request goes to one long-lived Go instance per isolate, which answers from its read
// model and sends edits to the Ledger Durable Object. See README "Architecture".
import { startGo } from "./go.mjs";
export { Ledger } from "./ledger.mjs";

let front;

// The largest bodies read at all; Go judges the exact limits (edge.DefaultMaxBody, maxSeed).
const MAX_BODY = 1 << 20;
const MAX_SEED = 64 << 20;

// readUpTo reads the body, or answers undefined as soon as it is over limit bytes.
async function readUpTo(request, limit) {
  if (Number(request.headers.get("content-length") || 0) > limit) return undefined;
  const chunks = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

export default {
  async fetch(request, env, ctx) {
    if (!front) front = startGo(env, ctx);
    let go;
    try {
      go = await front;
    } catch (e) {
      front = undefined;
      return Response.json({ error: { code: "failed", message: "the service could not start: " + e.message } }, { status: 500 });
    }
    if (go.exited()) {
      front = undefined;
      return Response.json({ error: { code: "failed", message: "the service restarted; try again" } }, { status: 503 });
    }
    // The body is read whole before Go sees it (a Go handler that stops reading early must not
    // leave a half-read stream behind in workerd), and never past what any route accepts, so
    // an oversized body cannot fill the isolate that holds the read model.
    // A GET or HEAD is answered without its body (a Request of those methods may not carry
    // one, and no route reads it).
    if (request.method === "GET" || request.method === "HEAD") {
      return go.handleRequest(request.body ? new Request(request.url, { method: request.method, headers: request.headers }) : request);
    }
    if (!request.body) return go.handleRequest(request);
    const body = await readUpTo(request, request.method === "PUT" ? MAX_SEED : MAX_BODY);
    if (body === undefined) {
      return Response.json({ error: { code: "too_large", message: "the request body is over the limit of what the service accepts" } }, { status: 413 });
    }
    const whole = new Request(request, { body });
    // Edits and seeds are made by the one writer: the Ledger serves them with the same API.
    const path = new URL(request.url).pathname;
    if ((request.method === "POST" && path === "/v1/edits") || (request.method === "PUT" && path === "/v1/snapshot")) {
      return env.LEDGER.get(env.LEDGER.idFromName("connsec")).fetch(whole);
    }
    return go.handleRequest(whole);
  },
};
