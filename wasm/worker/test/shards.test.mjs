// The worker's readers answer from agency read models (edge.Shards over the directory object's
// /directory and /agency?id=, a long shard taken from its agency's object with the ticket the
// directory answers): on a generated snapshot of six agencies, a few hundred
// evaluations — single and in batches — through workerd are answered with the very bytes the
// native server (go run ./wasm/worker, also over Shards) gives, and GET /v1/readers reports the
// agency models the isolate loaded for them and its WebAssembly memory. The coordinator's read
// routes answer there from the same models, as natively.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { startWrangler, startNative, token, root } from "./wrangler.mjs";
import { conforms } from "./openapi.mjs";

const secret = randomBytes(24).toString("base64url");
const port = Number(process.env.CONNSEC_TEST_PORT || 8791);
const nativePort = Number(process.env.CONNSEC_NATIVE_PORT || 8795);
const carryMost = 150000;
let dir, snapshot, doc, w, native;

async function post(base, p, t, body) {
  const r = await fetch(base + p, { method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await r.text();
  const wrong = conforms("POST", p, r.status, r.headers, text);
  assert.equal(wrong, "", wrong);
  return { status: r.status, text };
}

async function get(base, p, t) {
  const r = await fetch(base + p, { headers: { authorization: `Bearer ${t}` } });
  const text = await r.text();
  const wrong = conforms("GET", p, r.status, r.headers, text);
  assert.equal(wrong, "", wrong);
  return { status: r.status, json: JSON.parse(text), text };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "connsec-shards-"));
  snapshot = path.join(dir, "snapshot.json");
  execFileSync("go", ["run", "./tools/connsec", "gen", "--agencies", "6", "--staff", "300", "--pages", "1500", "--seed", "7", "--out", snapshot], { cwd: root, stdio: "ignore" });
  doc = JSON.parse(await readFile(snapshot, "utf8"));
  native = await startNative({ dir, snapshot, secret, port: nativePort });
  // shards of more than carryMost bytes (three of the six here, 177–201 KB against 98–104)
  // are taken from their agency's object; the others the directory's object carries on
  w = await startWrangler({ port, persistTo: path.join(dir, "state"), vars: { CONNSEC_JWT_SECRET: secret, CONNSEC_SEED_ADMIN: doc.administrators[0], CONNSEC_SHARD_CARRY_MOST: String(carryMost) } });
  const seeded = await fetch(w.url + "/v1/snapshot", { method: "PUT", headers: { authorization: `Bearer ${token(secret, doc.administrators[0])}` }, body: await readFile(snapshot) });
  assert.equal(seeded.status, 200, await seeded.text());
});

after(async () => {
  await w?.stop();
  await native?.stop();
  await rm(dir, { recursive: true, force: true });
});

// A small seeded generator, so that a failure can be asked again.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("evaluations through workerd answer as the native server, from the agency models /v1/readers reports", async () => {
  const next = rng(12);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const people = doc.people.map((p) => p.id);
  const pages = doc.agencies.flatMap((a) => a.pages.map((p) => ({ id: p.id, agency: a.id })));
  const units = doc.agencies.flatMap((a) => a.units.map((u) => u.id));
  const caps = [...new Set(doc.business_functions.flatMap((f) => f.attributes.map((a) => a.capability)))];
  const asked = new Set();
  const item = () => {
    if (next() < 0.6) {
      const pg = pick(pages);
      asked.add(pg.agency);
      return { subject: { type: "user", id: pick(people) }, action: { name: pick(["read", "edit", "manage_security", "create:item"]) }, resource: { type: "page", id: pg.id } };
    }
    const resource = next() < 0.5 ? { type: "unit", id: pick(units) } : { type: "person", id: pick(people) };
    return { subject: { type: "user", id: pick(people) }, action: { name: pick(caps) }, resource };
  };
  const service = token(secret, "service:pep");
  let evaluations = 0;
  for (let i = 0; i < 40; i++) {
    const single = item();
    const one = [await post(w.url, "/access/v1/evaluation", service, single), await post(native.url, "/access/v1/evaluation", service, single)];
    assert.equal(one[0].status, 200, one[0].text);
    assert.equal(one[0].text, one[1].text, `the evaluation ${JSON.stringify(single)} answers differently in workerd and natively`);
    const batch = { evaluations: Array.from({ length: 8 }, item), options: { evaluations_semantic: pick(["execute_all", "deny_on_first_deny", "permit_on_first_permit"]) } };
    const many = [await post(w.url, "/access/v1/evaluations", service, batch), await post(native.url, "/access/v1/evaluations", service, batch)];
    assert.equal(many[0].status, 200, many[0].text);
    assert.equal(many[0].text, many[1].text, `the batch ${JSON.stringify(batch)} answers differently in workerd and natively`);
    evaluations += 1 + JSON.parse(many[0].text).evaluations.length;
  }
  assert.ok(evaluations >= 200, `only ${evaluations} evaluations were compared`);

  const readers = await get(w.url, "/v1/readers", token(secret, doc.administrators[0]));
  assert.equal(readers.status, 200, readers.text);
  assert.equal(readers.json.reader, "shards");
  const held = new Set(readers.json.models.map((m) => m.agency));
  for (const a of asked) assert.ok(held.has(a), `the isolate holds no model of ${a}, which it answered about: ${readers.text}`);
  assert.equal(readers.json.evictions, 0, readers.text);
  // a long shard is taken from its agency's object, never carried by the directory's
  for (const m of readers.json.models) assert.equal(m.from, m.document_bytes > carryMost ? "agency" : "directory", readers.text);
  const from = new Set(readers.json.models.map((m) => m.from));
  assert.ok(from.has("agency") && from.has("directory"), `the shards all came one way (${[...from]}): carryMost no longer splits them: ${readers.text}`);
  assert.ok(readers.json.loads >= asked.size && readers.json.memory.sys_bytes > 0, readers.text);
  const mb = (n) => (n / (1 << 20)).toFixed(1);
  console.log(`# ${evaluations} evaluations compared; the reader isolate holds ${held.size} agency models (${mb(readers.json.used_bytes)} MB estimated, directory ${mb(readers.json.directory_bytes)} MB); Go heap ${mb(readers.json.memory.heap_alloc_bytes)} MB, WebAssembly memory taken ${mb(readers.json.memory.sys_bytes)} MB`);

  const coordinator = doc.agencies[0].coordinators[0].person ?? doc.agencies[0].coordinators[0];
  const refused = await get(w.url, "/v1/readers", token(secret, coordinator));
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await get(w.url, "/v1/readers", service)).status, 200);
});

// The coordinator's read routes in a reader isolate answer from the same agency models (SPEC
// §10.1): an agency's view, lint (of every finding, of an agency, of a coordinator's agencies),
// the staff security report in JSON and CSV, profiles of staff of every agency, /v1/me, the
// log, the notifications and what-ifs of page security and security reviews (judged on the
// agency's shard) are the native server's bytes, and /v1/readers says the isolate never loaded
// the whole model for them.
test("coordinator routes through workerd answer as the native server, without the whole model", async () => {
  const admin = token(secret, doc.administrators[0]);
  const coordinatorOf = (a) => a.coordinators.map((c) => c.person ?? c)[0];
  const raw = async (base, p, t, accept) => {
    const r = await fetch(base + p, { headers: { authorization: `Bearer ${t}`, ...(accept ? { accept } : {}) } });
    const text = await r.text();
    if (!accept) {
      const wrong = conforms("GET", p, r.status, r.headers, text);
      assert.equal(wrong, "", wrong);
    }
    return { status: r.status, text };
  };
  const staff = doc.agencies.flatMap((a) => a.staff.slice(0, 2).map((s) => s.person));
  const asks = [["/v1/lint", admin], ["/v1/me", admin], ["/v1/log", admin], ["/v1/notifications", admin]];
  for (const a of doc.agencies) {
    const coord = token(secret, coordinatorOf(a));
    asks.push([`/v1/snapshot?agency=${a.id}`, admin], ["/v1/snapshot", coord], [`/v1/lint?agency=${a.id}`, admin], ["/v1/lint", coord],
      [`/v1/report?agency=${a.id}`, admin], [`/v1/report?agency=${a.id}&as_of=2025-01-01`, coord], [`/v1/report?agency=${a.id}`, coord, "text/csv"],
      [`/v1/log?agency=${a.id}`, coord], ["/v1/me", coord],
      ["whatif", coord, { edits: [{ op: "record_security_review", agency: a.id }] }],
      ["whatif", coord, { edits: [{ op: "set_security", page: a.pages[0].id, entries: [{ principal: "everyone", role: "reader" }, { principal: "dept_member", role: "editor" }] }] }]);
  }
  for (const p of staff) asks.push([`/v1/profile/${p}`, admin], [`/v1/profile/${p}?as_of=2024-06-01`, token(secret, p)]);
  for (const [p, t, accept] of asks) {
    if (p === "whatif") {
      const [there, here] = [await post(w.url, "/v1/whatif", t, accept), await post(native.url, "/v1/whatif", t, accept)];
      assert.equal(there.status, 200, there.text);
      assert.equal(there.text, here.text, `the what-if ${JSON.stringify(accept)} answers differently in workerd and natively`);
      continue;
    }
    const [there, here] = [await raw(w.url, p, t, accept), await raw(native.url, p, t, accept)];
    assert.equal(there.status, 200, `${p}: ${there.text.slice(0, 300)}`);
    assert.equal(there.text, here.text, `${p} answers differently in workerd and natively`);
  }
  const readers = await get(w.url, "/v1/readers", admin);
  assert.equal(readers.json.whole_model, false, `a coordinator route loaded the whole model: ${readers.text}`);
  assert.equal(readers.json.models.length, doc.agencies.length, readers.text);
  const mb = (n) => (n / (1 << 20)).toFixed(1);
  console.log(`# ${asks.length} coordinator requests compared; the reader isolate holds ${readers.json.models.length} agency models and no whole model; WebAssembly memory taken ${mb(readers.json.memory.sys_bytes)} MB`);
});
