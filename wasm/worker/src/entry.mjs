// The worker's entry: static assets (site/) are served by Workers before this runs; every
// other request goes to one long-lived Go instance per isolate, which answers from its read
// models and sends edits and seeds to the writers, a Shard Durable Object per agency and one
// for the directory. See README "The edge".
import { startGo } from "./go.mjs";
export { Shard } from "./shard.mjs";

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
    // A seed in parts (application/x-ndjson: the whole state, about 100 MB) goes to the
    // directory's object as it arrives, which reads it line by line (edge.Writers.SeedParts):
    // no isolate holds it whole.
    const seedPath = request.method === "PUT" && new URL(request.url).pathname === "/v1/snapshot";
    if (seedPath && (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase() === "application/x-ndjson") {
      const parts = new Request(request);
      parts.headers.set("x-connsec-object", "directory");
      return env.SHARD.get(env.SHARD.idFromName("directory")).fetch(parts);
    }
    const body = await readUpTo(request, request.method === "PUT" ? MAX_SEED : MAX_BODY);
    if (body === undefined) {
      return Response.json({ error: { code: "too_large", message: "the request body is over the limit of what the service accepts" } }, { status: 413 });
    }
    // Edits are authenticated here, then sent by Go (edge.Front) to the Shard object of the
    // shard they act on. A seed is the whole state, and checking it (its seeder must be one of
    // its administrators) loads all of it: the directory's object, which keeps it, does that,
    // not a reader isolate, whose memory would never shrink back.
    const whole = new Request(request, { body });
    if (request.method === "PUT" && new URL(request.url).pathname === "/v1/snapshot") {
      whole.headers.set("x-connsec-object", "directory");
      return env.SHARD.get(env.SHARD.idFromName("directory")).fetch(whole);
    }
    return go.handleRequest(whole);
  },
};
