// A seed in parts in real workerd (README "The edge": the whole state cannot be sent, checked
// or held whole in one instance): the isolate passes the lines on as they arrive to the
// directory's object, which stages each agency, checks the state in cuts and has each agency's
// object start from its own. A refused seed (a problem on line 3) changes nothing; the taken
// one is the whole snapshot, before and after wrangler is started again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { startWrangler, token, root } from "./wrangler.mjs";

const secret = randomBytes(24).toString("base64url");
const port = Number(process.env.CONNSEC_TEST_PORT || 8791);
let state, w;
const start = () => startWrangler({ port, persistTo: state, vars: { CONNSEC_JWT_SECRET: secret } });

// parts writes a snapshot as a seed in parts: the document without its agencies, then one
// agency per line.
const parts = (snap) => [JSON.stringify({ ...snap, agencies: [] }), ...snap.agencies.map((a) => JSON.stringify(a))].join("\n") + "\n";

const seed = async (body, headers = {}) => {
  const r = await fetch(w.url + "/v1/snapshot", { method: "PUT", body, headers: { authorization: `Bearer ${token(secret, "p-admin")}`, "content-type": "application/x-ndjson", ...headers } });
  return { status: r.status, text: await r.text() };
};

const whole = async () => {
  const r = await fetch(w.url + "/v1/snapshot", { headers: { authorization: `Bearer ${token(secret, "p-admin")}` } });
  assert.equal(r.status, 200);
  const doc = await r.json();
  delete doc.version;
  return doc;
};

let example;
before(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), "connsec-parts-"));
  w = await start();
  example = JSON.parse(await readFile(path.join(root, "fixtures/example/snapshot.json"), "utf8"));
});

after(async () => {
  await w?.stop();
  await rm(state, { recursive: true, force: true });
});

test("a seed in parts: refused with its line, then taken whole, and kept across a restart", async () => {
  const broken = structuredClone(example);
  broken.agencies[1].pages[1].parent = "pg-nowhere";
  const refused = await seed(parts(broken));
  assert.equal(refused.status, 422, refused.text);
  assert.match(refused.text, /line 3: pages\[1\]\.parent/);
  const notYet = await fetch(w.url + "/v1/snapshot", { headers: { authorization: `Bearer ${token(secret, "p-admin")}` } });
  assert.equal(notYet.status, 503, "a refused seed in parts left the service seeded");

  const taken = await seed(gzipSync(parts(example)), { "content-encoding": "gzip" });
  assert.equal(taken.status, 200, taken.text);
  const want = structuredClone(example);
  delete want.version;
  assert.deepEqual(await whole(), want);
  const check = await fetch(w.url + "/access/v1/evaluation", { method: "POST", headers: { authorization: `Bearer ${token(secret, "service:test")}`, "content-type": "application/json" },
    body: JSON.stringify({ subject: { type: "user", id: "p-1003" }, action: { name: "read" }, resource: { type: "page", id: example.agencies[0].pages[0].id } }) });
  assert.equal(check.status, 200, await check.text());

  await w.stop();
  w = await start();
  assert.deepEqual(await whole(), want);
  const again = await seed(parts(example));
  assert.equal(again.status, 409, again.text);
});
