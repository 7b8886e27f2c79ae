// The worker in real workerd (wrangler dev, local state): AuthZEN shapes and batch semantics,
// search paging, who may call, bad bodies, and edits from four coordinators at once with a
// restart in the middle — after which nothing is lost or applied twice.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startWrangler, token, unsigned, root } from "./wrangler.mjs";
import { conformanceCases, runCase } from "./conformance.mjs";
import { conforms } from "./openapi.mjs";

const secret = randomBytes(24).toString("base64url");
const port = Number(process.env.CONNSEC_TEST_PORT || 8791);
let state, w, base;
const tok = (sub, claims) => token(secret, sub, claims);

// call sends a request; a body that is not a string or bytes is sent as JSON, with its
// Content-Type (raw: send the headers given and nothing more).
async function call(method, p, { t, body, headers = {}, raw = false } = {}) {
  const h = { ...headers };
  if (t) h.authorization = `Bearer ${t}`;
  if (!raw && body !== undefined && !(body instanceof Uint8Array)) h["content-type"] ??= "application/json";
  if (body !== undefined && (method === "GET" || method === "HEAD")) return valid(method, p, await bodiedGet(method, w.url + p, h, body));
  const r = await fetch(w.url + p, { method, headers: h, body: typeof body === "string" || body instanceof Uint8Array ? body : body && JSON.stringify(body) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch {}
  return valid(method, p, { status: r.status, headers: r.headers, json, text });
}

// valid fails the test when the answer does not fit openapi.json.
function valid(method, p, r) {
  const wrong = conforms(method, p, r.status, r.headers, r.text);
  assert.equal(wrong, "", wrong);
  return r;
}

// bodiedGet sends a GET with a body, which fetch refuses to send and some clients do.
function bodiedGet(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { text += d; });
      res.on("end", () => {
        let json;
        try { json = JSON.parse(text); } catch {}
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), json, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const start = () => startWrangler({ port, persistTo: state, vars: { CONNSEC_JWT_SECRET: secret } });

before(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), "connsec-workerd-"));
  w = await start();
  const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"));
  const seeded = await call("PUT", "/v1/snapshot", { t: tok("p-admin"), body: snapshot });
  assert.equal(seeded.status, 200, seeded.text);
  base = seeded.json.version;
});

after(async () => {
  await w?.stop();
  await rm(state, { recursive: true, force: true });
});

const ev = (subject, action, type, id, extra = {}) => ({ subject: { type: "user", id: subject }, action: { name: action }, resource: { type, id }, ...extra });

test("evaluation: AuthZEN shape, reasons, version, request id", async () => {
  const r = await call("POST", "/access/v1/evaluation", { t: tok("service:pep"), body: ev("p-1003", "read", "page", "pg-alb-org"), headers: { "x-request-id": "abc-1" } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.decision, true);
  assert.equal(r.headers.get("x-request-id"), "abc-1");
  assert.match(r.json.context.version, /^d\d+/, "the consistency token");
  assert.ok(r.json.context.reasons.length > 0);
  const deny = await call("POST", "/access/v1/evaluation", { t: tok("service:pep"), body: ev("p-2003", "manage_security", "page", "pg-alb-org") });
  assert.equal(deny.status, 200);
  assert.equal(deny.json.decision, false);
  const wk = await call("GET", "/.well-known/authzen-configuration");
  assert.equal(wk.json.access_evaluation_endpoint, `${w.url}/access/v1/evaluation`);
});

test("AuthZEN conformance corpus (wasm/edge/testdata/conformance.json)", async (t) => {
  const tokens = { service: tok("service:pep"), none: undefined, invalid: token("another-secret-entirely", "service:pep") };
  for (const c of await conformanceCases()) {
    await t.test(c.name, async () => {
      const problems = await runCase(c, call, tokens);
      assert.deepEqual(problems, [], problems.join("\n"));
    });
  }
});

test("/openapi.json is served, and the validator catches an answer that breaks it", async () => {
  const r = await call("GET", "/openapi.json");
  assert.equal(r.status, 200);
  assert.equal(r.text, await readFile(path.join(root, "wasm/edge/openapi.json"), "utf8"));
  const json = new Headers({ "content-type": "application/json" });
  assert.notEqual(conforms("POST", "/access/v1/evaluation", 200, json, '{"decision": "yes", "context": {"version": 0}}'), "");
  assert.notEqual(conforms("POST", "/access/v1/search/subject", 200, json, '{"results": [], "page": {"next_token": "", "count": 0}}'), "");
});

test("evaluations: the three semantics, errors as items", async () => {
  const body = (semantic) => ({
    subject: { type: "user", id: "p-1003" }, action: { name: "read" },
    evaluations: [
      { resource: { type: "page", id: "pg-alb-org" } },
      { resource: { type: "page", id: "pg-alb-org" }, subject: { type: "user", id: "p-2003" }, action: { name: "manage_security" } },
      { resource: { type: "page", id: "pg-none" } },
      { resource: { type: "page", id: "pg-alb-org" }, action: { name: "edit" } },
    ],
    ...(semantic && { options: { evaluations_semantic: semantic } }),
  });
  const shape = (r) => r.json.evaluations.map((e) => (e.context.error ? `error:${e.context.error.status}` : String(e.decision))).join(",");
  const t = tok("service:pep");
  assert.equal(shape(await call("POST", "/access/v1/evaluations", { t, body: body() })), "true,false,error:400,true");
  assert.equal(shape(await call("POST", "/access/v1/evaluations", { t, body: body("deny_on_first_deny") })), "true,false");
  assert.equal(shape(await call("POST", "/access/v1/evaluations", { t, body: body("permit_on_first_permit") })), "true");
});

test("search: subjects paged to the end, resources and actions", async () => {
  const t = tok("service:pep");
  const seen = [];
  let token = "", total = 0;
  do {
    const r = await call("POST", "/access/v1/search/subject", { t, body: { subject: { type: "user" }, action: { name: "read" }, resource: { type: "page", id: "pg-alb-org" }, page: { limit: 5, ...(token && { token }) } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.page.count, r.json.results.length);
    seen.push(...r.json.results.map((x) => x.id));
    token = r.json.page.next_token;
    total = r.json.page.total;
  } while (token);
  assert.ok(total > 5);
  assert.equal(seen.length, total);
  assert.equal(new Set(seen).size, total);
  const res = await call("POST", "/access/v1/search/resource", { t, body: { subject: { type: "user", id: "p-1012" }, action: { name: "read" }, resource: { type: "page" } } });
  assert.ok(res.json.results.length > 0 && res.json.results.every((x) => x.type === "page"));
  const act = await call("POST", "/access/v1/search/action", { t, body: { subject: { type: "user", id: "p-1003" }, resource: { type: "page", id: "pg-alb-org" } } });
  assert.ok(act.json.results.some((a) => a.name === "read"), act.text);
});

test("401 and 403: who may call what", async () => {
  const now = Math.floor(Date.now() / 1000);
  const batch = (actor) => ({ actor, base_version: base, edits: [{ op: "move_staff", agency: "ag-alb", person: "p-1012", unit: "u-alb-fc1" }] });
  const cases = [
    ["no token", undefined, "GET", "/v1/snapshot", undefined, 401],
    ["forged", token("another-secret-entirely", "p-admin"), "GET", "/v1/snapshot", undefined, 401],
    ["expired", tok("p-admin", { exp: now - 60 }), "GET", "/v1/snapshot", undefined, 401],
    ["not yet valid", tok("p-admin", { nbf: now + 3600 }), "GET", "/v1/snapshot", undefined, 401],
    ["alg none", unsigned("p-admin"), "GET", "/v1/snapshot", undefined, 401],
    ["malformed", "not.a.jwt", "GET", "/v1/snapshot", undefined, 401],
    ["service token editing", tok("service:pep"), "POST", "/v1/edits", batch("p-1003"), 403],
    ["coordinator of another agency", tok("p-2003"), "POST", "/v1/edits", batch("p-2003"), 403],
    ["non-coordinator", tok("p-1012"), "POST", "/v1/edits", batch("p-1012"), 403],
    ["non-coordinator reading the snapshot", tok("p-1012"), "GET", "/v1/snapshot", undefined, 403],
  ];
  for (const [name, t, method, p, body, status] of cases) {
    const r = await call(method, p, { t, body });
    assert.equal(r.status, status, `${name}: ${r.text}`);
    assert.ok(r.json?.error?.code && r.json.error.message, `${name}: ${r.text}`);
  }
});

test("seeding is for the configured administrator, once", async () => {
  const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"));
  const worker = await call("PUT", "/v1/snapshot", { t: tok("p-1012"), body: snapshot });
  assert.equal(worker.status, 403, worker.text);
  const again = await call("PUT", "/v1/snapshot", { t: tok("p-admin"), body: snapshot });
  assert.equal(again.status, 409, again.text);
});

test("413 for an oversized body, 400 with where for malformed JSON", async () => {
  const t = tok("p-1003");
  const big = await call("POST", "/v1/edits", { t, body: JSON.stringify({ edits: [], pad: "x".repeat(2 << 20) }) });
  assert.equal(big.status, 413, big.text);
  const ok = await call("POST", "/access/v1/evaluation", { t, body: ev("p-1003", "read", "page", "pg-alb-org") });
  assert.equal(ok.status, 200, "after an oversized body: " + ok.text);
  const bad = await call("POST", "/access/v1/evaluation", { t, body: '{"subject": {"type": "user",\n "id": }' });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error.message, /line 2/);
});

// Four coordinators of two agencies push 50 edits each at once, each on their agency's
// version; a 409 rebases on the agency's version it names and pushes again under the same
// key; every accepted answer is asked for again with its key. Half-way the worker is
// restarted.
async function coordinator(person, edits, from, keyPrefix) {
  const t = tok(person);
  const alb = person.startsWith("p-10");
  let version = from, accepted = 0, conflicts = 0, first;
  for (let i = 0; i < edits; i++) {
    const key = `${keyPrefix}-${person}-${i}`;
    const edit = alb
      ? { op: "set_reports_to", agency: "ag-alb", person: "p-1012", managers: i % 2 ? [] : ["p-1010"] }
      : { op: "set_reports_to", agency: "ag-sta", person: "p-2003", managers: [] };
    for (;;) {
      const body = { base_version: version, edits: [edit] };
      const r = await call("POST", "/v1/edits", { t, body, headers: { "idempotency-key": key } });
      if (r.status === 409) { conflicts++; version = r.json.shard_version; continue; }
      if (i === 0) first = { key, body, answer: r.text };
      assert.equal(r.status, 200, `${key}: ${r.text}`);
      const again = await call("POST", "/v1/edits", { t, body: { base_version: version, edits: [edit] }, headers: { "idempotency-key": key } });
      assert.equal(again.text, r.text, `the retry of ${key} answered differently`);
      version = r.json.shard_version;
      accepted++;
      break;
    }
  }
  return { accepted, conflicts, first };
}

test("4 coordinators × 50 edits with conflicts, retries and a restart: nothing lost or applied twice", async () => {
  const people = ["p-1003", "p-1005", "p-2003", "p-2004"];
  const t0 = performance.now();
  const admin = tok("p-admin");
  const versionOf = async (agency) => (await call("GET", `/v1/snapshot?agency=${agency}`, { t: admin })).json.version;
  const from = { "ag-alb": await versionOf("ag-alb"), "ag-sta": await versionOf("ag-sta") };
  const agencyOf = (p) => (p.startsWith("p-10") ? "ag-alb" : "ag-sta");
  const first = await Promise.all(people.map((p) => coordinator(p, 25, from[agencyOf(p)], "a")));
  await w.stop();
  w = await start();
  const mid = { "ag-alb": await versionOf("ag-alb"), "ag-sta": await versionOf("ag-sta") };
  assert.deepEqual(mid, { "ag-alb": from["ag-alb"] + 50, "ag-sta": from["ag-sta"] + 50 }, "every agency's version survives the restart");
  const second = await Promise.all(people.map((p) => coordinator(p, 25, mid[agencyOf(p)], "b")));
  const seconds = (performance.now() - t0) / 1000;
  const all = [...first, ...second];
  const accepted = all.reduce((n, x) => n + x.accepted, 0);
  const conflicts = all.reduce((n, x) => n + x.conflicts, 0);
  assert.equal(accepted, 200);
  const newest = `d0~ag-alb.${from["ag-alb"] + 100}~ag-sta.${from["ag-sta"] + 100}`;
  const log = await call("GET", `/v1/log?since=${base}&at_least_version=${newest}`, { t: admin });
  assert.equal(log.status, 200, log.text);
  assert.equal(log.json.version, newest);
  assert.equal(log.json.entries.length, accepted);
  const next = { "agency:ag-alb": from["ag-alb"], "agency:ag-sta": from["ag-sta"] };
  log.json.entries.forEach((e) => assert.equal(e.version, ++next[e.shard], `the log of ${e.shard} is not contiguous`));
  // a key from before the restart still answers as it did, and applies nothing
  const { key, body, answer } = first[0].first;
  const replay = await call("POST", "/v1/edits", { t: tok("p-1003"), body, headers: { "idempotency-key": key } });
  assert.equal(replay.text, answer, "a key from before the restart answers as it did");
  const reused = await call("POST", "/v1/edits", { t: tok("p-1003"), body: { ...body, base_version: from["ag-alb"] + 100 }, headers: { "idempotency-key": key } });
  assert.equal(reused.status, 422, reused.text);
  assert.equal(reused.json.error.code, "idempotency_key_reused");
  const after = await call("GET", "/v1/log?since=0", { t: admin });
  assert.equal(after.json.version, newest);
  console.log(`# edits: ${accepted} accepted, ${conflicts} conflicts rebased, restart included: ${(accepted / seconds).toFixed(0)} accepted edits/s`);
});

// Coordinators of two agencies read their snapshots at the same time and push on the versions
// they read, at the same time: both are accepted (each agency's version counts its own
// batches). A second coordinator of one of them on the old version gets 409 with that
// agency's version. The token of an accepted batch reads it on any isolate at once.
test("two agencies push on the versions they read: both accepted; the same agency twice: 409", async () => {
  const alb = tok("p-1003"), sta = tok("p-2003");
  const [albView, staView] = await Promise.all([call("GET", "/v1/snapshot", { t: alb }), call("GET", "/v1/snapshot", { t: sta })]);
  assert.equal(albView.status, 200, albView.text);
  const [albPush, staPush] = await Promise.all([
    call("POST", "/v1/edits", { t: alb, body: { base_version: albView.json.version, edits: [{ op: "move_staff", agency: "ag-alb", person: "p-1012", unit: "u-alb-fc1" }] } }),
    call("POST", "/v1/edits", { t: sta, body: { base_version: staView.json.version, edits: [{ op: "set_reports_to", agency: "ag-sta", person: "p-2003", managers: [] }] } }),
  ]);
  assert.equal(albPush.status, 200, albPush.text);
  assert.equal(staPush.status, 200, staPush.text);
  assert.equal(albPush.json.shard, "agency:ag-alb");
  assert.equal(albPush.json.shard_version, albView.json.version + 1);
  assert.equal(staPush.json.shard_version, staView.json.version + 1);
  const stale = await call("POST", "/v1/edits", { t: tok("p-1005"), body: { base_version: albView.json.version, edits: [{ op: "move_staff", agency: "ag-alb", person: "p-1012", unit: "u-alb-fc2" }] } });
  assert.equal(stale.status, 409, stale.text);
  assert.equal(stale.json.error.code, "version_conflict");
  assert.equal(stale.json.shard, "agency:ag-alb");
  assert.equal(stale.json.shard_version, albPush.json.shard_version);
  // read-your-writes: the token of each push, sent back at once
  const view = await call("GET", `/v1/snapshot?at_least=${albPush.json.version}`, { t: alb });
  assert.equal(view.status, 200, view.text);
  assert.equal(view.json.version, albPush.json.shard_version, "the view holds the push");
  for (const pushed of [albPush, staPush]) {
    const check = await call("POST", "/access/v1/evaluation", { t: tok("service:pep"), body: ev("p-1012", "read", "page", "pg-alb-dep-fc1", { context: { at_least_version: pushed.json.version } }) });
    assert.equal(check.status, 200, check.text);
  }
});
