// The administrator's export through workerd (SPEC §10, wasm/edge/export.go): GET /v1/snapshot
// is streamed from the directory object's pieces — the head, then each agency's object in chunks — and is
// the native server's bytes (the seeded file's, then after edits of agencies and of the
// directory); the reader isolate that sends it never holds the whole model: GET /v1/readers,
// asked while the caller reads the export and after it, reports WebAssembly memory (which
// never shrinks, so it is the peak) far below what loading the whole state takes. CONNSEC_EXPORT_SNAPSHOT names
// another snapshot to export (a large one, for the figure).
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
const mb = (n) => (n / (1 << 20)).toFixed(1);
let dir, snapshot, bytes, doc, w, native, admin;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "connsec-export-"));
  snapshot = process.env.CONNSEC_EXPORT_SNAPSHOT;
  if (!snapshot) {
    snapshot = path.join(dir, "snapshot.json");
    execFileSync("go", ["run", "./tools/connsec", "gen", "--agencies", "12", "--staff", "1200", "--pages", "12000", "--seed", "9", "--out", snapshot], { cwd: root, stdio: "ignore" });
  }
  bytes = await readFile(snapshot);
  doc = JSON.parse(bytes);
  admin = doc.administrators[0];
  native = await startNative({ dir, snapshot, secret, port: nativePort });
  w = await startWrangler({ port, persistTo: path.join(dir, "state"), vars: { CONNSEC_JWT_SECRET: secret, CONNSEC_SEED_ADMIN: admin } });
  const t0 = performance.now();
  const seeded = await fetch(w.url + "/v1/snapshot", { method: "PUT", headers: { authorization: `Bearer ${token(secret, admin)}` }, body: bytes });
  assert.equal(seeded.status, 200, await seeded.text());
  console.log(`# seeded ${mb(bytes.length)} MB in ${(performance.now() - t0).toFixed(0)} ms`);
});

after(async () => {
  await w?.stop();
  await native?.stop();
  await rm(dir, { recursive: true, force: true });
});

const readers = async () => {
  const r = await fetch(w.url + "/v1/readers", { headers: { authorization: `Bearer ${token(secret, admin)}` } });
  assert.equal(r.status, 200);
  return (await r.json()).memory;
};

// exported reads the export from base; once a quarter of it has come it calls during().
async function exported(base, during) {
  const r = await fetch(base + "/v1/snapshot", { headers: { authorization: `Bearer ${token(secret, admin)}` } });
  assert.equal(r.status, 200, await r.clone().text());
  const chunks = [];
  let size = 0;
  let asked = false;
  for await (const c of r.body) {
    chunks.push(c);
    size += c.byteLength;
    if (during && !asked && size > bytes.length / 4) {
      asked = true;
      await during();
    }
  }
  const body = Buffer.concat(chunks);
  assert.equal(conforms("GET", "/v1/snapshot", r.status, r.headers, body.toString()), "");
  assert.equal(r.headers.get("etag"), `"${r.headers.get("x-connsec-versions")}"`);
  return { body, token: r.headers.get("x-connsec-versions"), chunks: chunks.length };
}

test("the export through workerd is the native server's bytes, and the reader isolate never holds the whole model", async () => {
  const fresh = await readers();
  let midway;
  const t0 = performance.now();
  const first = await exported(w.url, async () => { midway = await readers(); });
  const ms = performance.now() - t0;
  const done = await readers();
  assert.equal(first.token, "d0");
  assert.ok(first.body.equals(bytes), `the export (${first.body.length} bytes) is not the seeded snapshot (${bytes.length} bytes)`);
  const nat = await exported(native.url);
  assert.ok(nat.body.equals(first.body) && nat.token === first.token, "the native export differs");
  assert.ok(midway, "the export came in one piece: nothing was asked in the middle of it");
  // A whole model takes about 8 times its document (README "The edge"); the export's reader
  // holds the directory, the head and a chunk or two.
  const grew = done.sys_bytes - fresh.sys_bytes;
  console.log(`# export of ${mb(bytes.length)} MB (${doc.agencies.length} agencies) in ${first.chunks} chunks, ${ms.toFixed(0)} ms: the reader isolate's WebAssembly memory ${mb(fresh.sys_bytes)} MB fresh, ${mb(midway.sys_bytes)} MB while the caller read it (Go heap ${mb(midway.heap_alloc_bytes)} MB), ${mb(done.sys_bytes)} MB after (grew ${mb(grew)} MB; it never shrinks)`);
  assert.ok(grew < bytes.length, `the reader isolate's memory grew ${mb(grew)} MB during the export of a ${mb(bytes.length)} MB document`);
  assert.ok(midway.heap_alloc_bytes < bytes.length, `the reader's Go heap held ${mb(midway.heap_alloc_bytes)} MB while the caller read the export of ${mb(bytes.length)} MB`);
});

test("after edits of agencies and of the directory, the export through workerd is still the native server's", async () => {
  const orgs = doc.agencies.map((a) => a.pages.find((p) => p.kind === "organization").id);
  const batches = [
    { shard: "agency:" + doc.agencies[1].id, edits: [{ op: "set_security", page: orgs[1], entries: [{ principal: "user:" + admin, role: "reader" }] }] },
    { shard: "agency:" + doc.agencies[2].id, edits: [{ op: "add_staff", agency: doc.agencies[2].id, person: "p-export-new", name: "Nia Export", nt_account: "nexport" }] },
    { shard: "directory", edits: [{ op: "create_agency", agency: { id: "ag-export", name: "Northside Family Services" }, org_page: { id: "pg-export-org", title: "Northside Family Services" } }] },
  ];
  let tokens = [];
  for (const base of [w.url, native.url]) {
    let last;
    for (const [i, b] of batches.entries()) {
      const r = await fetch(base + "/v1/edits", { method: "POST", headers: { authorization: `Bearer ${token(secret, admin)}`, "content-type": "application/json", "idempotency-key": `export-${i}` }, body: JSON.stringify({ edits: b.edits }) });
      const a = await r.json();
      assert.equal(r.status, 200, JSON.stringify(a));
      assert.equal(a.shard, b.shard);
      last = a.version;
    }
    tokens.push(last);
  }
  // A directory batch's token names what it read: in workerd the directory's object names the
  // directory's version (and any agency it has heard of since), natively every shard's; both
  // let the caller read their own write.
  assert.match(tokens[0], /^d1(~|$)/, `the directory batch's token in workerd: ${tokens[0]}`);
  assert.match(tokens[1], /^d1(~|$)/, `the directory batch's token natively: ${tokens[1]}`);
  const url = (base, t) => `${base}/v1/snapshot?at_least_version=${encodeURIComponent(t)}`;
  const get = async (base, t) => {
    const r = await fetch(url(base, t), { headers: { authorization: `Bearer ${token(secret, admin)}` } });
    assert.equal(r.status, 200);
    return { body: Buffer.from(await r.arrayBuffer()), token: r.headers.get("x-connsec-versions") };
  };
  const [worker, nat] = [await get(w.url, tokens[0]), await get(native.url, tokens[1])];
  assert.equal(worker.token, nat.token, "the export through workerd names another state than the native one");
  assert.equal(worker.token, `d1~${doc.agencies[1].id}.1~${doc.agencies[2].id}.1`, "the export's token does not name every shard the edits moved");
  assert.ok(worker.body.equals(nat.body), `after the edits the export through workerd (${worker.body.length} bytes) differs from the native one (${nat.body.length})`);
  const after = JSON.parse(worker.body);
  assert.ok(after.agencies.some((a) => a.id === "ag-export") && after.people.some((p) => p.id === "p-export-new"), "the export lacks what the edits added");

  const coordinator = doc.agencies[0].coordinators[0].person;
  const view = await fetch(w.url + "/v1/snapshot", { headers: { authorization: `Bearer ${token(secret, coordinator)}` } });
  assert.equal(view.status, 200);
  assert.deepEqual((await view.json()).agencies.map((a) => a.id), [doc.agencies[0].id], "a coordinator's snapshot is their agency's view");
  for (const who of ["service:pep", doc.people.find((p) => !doc.agencies.some((a) => a.coordinators.some((c) => c.person === p.id)) && !doc.administrators.includes(p.id)).id]) {
    const r = await fetch(w.url + "/v1/snapshot", { headers: { authorization: `Bearer ${token(secret, who)}` } });
    assert.equal(r.status, 403, `${who} may not export`);
  }
});
