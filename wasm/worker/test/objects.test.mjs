// The writers as Durable Objects in real workerd (README "The edge"): a Shard object per agency
// and one for the directory. wrangler is stopped between the directory's step of the claim
// protocol and the agency's (St. Anne's object stops before it records a hire the directory
// reserved) and started again: the person is active nowhere, the retry under the same
// Idempotency-Key is applied once, and Albany cannot take the worker back. Then two
// coordinators of two agencies hire one person at the same moment, round after round: exactly
// one wins, the other is refused active_elsewhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { startWrangler, token, root } from "./wrangler.mjs";

const secret = randomBytes(24).toString("base64url");
const port = Number(process.env.CONNSEC_TEST_PORT || 8791);
const stopKey = "hire-that-stops";
let state, w;

const start = (vars = {}) => startWrangler({ port, persistTo: state, vars: { CONNSEC_JWT_SECRET: secret, ...vars } });

async function call(method, p, sub, body, headers = {}, signal) {
  const r = await fetch(w.url + p, { method, signal, headers: { authorization: `Bearer ${token(secret, sub)}`, "content-type": "application/json", ...headers }, body: body && (typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, json, text };
}

// edit pushes one edit under key (a new one when none is given: a push needs a key or a base)
const edit = (sub, e, key = randomUUID()) => call("POST", "/v1/edits", sub, { edits: [e] }, { "idempotency-key": key });
const endAtAlbany = { op: "end_date_staff", agency: "ag-alb", person: "p-1012" };
const reinstateAtAlbany = { op: "reinstate_staff", agency: "ag-alb", person: "p-1012" };
const hireAtStAnnes = { op: "add_staff", agency: "ag-sta", person: "p-1012" };

// activeIn lists the agencies where person has a record active on the snapshot's day, in the
// whole state an administrator exports (at least at the state token names).
async function activeIn(person, token = "") {
  const r = await call("GET", `/v1/snapshot?at_least=${token}`, "p-admin");
  assert.equal(r.status, 200, r.text);
  const day = r.json.as_of;
  return r.json.agencies.filter((a) => a.staff.some((s) => s.person === person && s.start <= day && (s.end == null || s.end > day))).map((a) => a.id);
}

const versionOf = async (agency, token = "") => (await call("GET", `/v1/snapshot?agency=${agency}&at_least=${token}`, "p-admin")).json.version;

before(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), "connsec-objects-"));
  w = await start({ CONNSEC_TEST_STOP_BEFORE_RECORD: stopKey });
  const seeded = await call("PUT", "/v1/snapshot", "p-admin", await readFile(path.join(root, "fixtures/example/snapshot.json")));
  assert.equal(seeded.status, 200, seeded.text);
});

after(async () => {
  await w?.stop();
  await rm(state, { recursive: true, force: true });
});

test("wrangler stopped between the directory's step and the agency's: the retried key is applied once", async () => {
  const ended = await edit("p-1003", endAtAlbany);
  assert.equal(ended.status, 200, ended.text);
  // the directory reserves St. Anne's claim on p-1012; St. Anne's object stops before recording
  const stopped = await call("POST", "/v1/edits", "p-2003", { edits: [hireAtStAnnes] }, { "idempotency-key": stopKey }, AbortSignal.timeout(8_000)).catch((e) => ({ status: 0, text: String(e) }));
  assert.notEqual(stopped.status, 200, `the hire was accepted though St. Anne's never recorded it: ${stopped.text}`);
  await w.stop();
  w = await start();
  assert.deepEqual(await activeIn("p-1012"), [], "after the stop the worker is active somewhere");
  assert.equal(await versionOf("ag-sta"), 0, "St. Anne's moved on without recording a batch");
  // the retry: St. Anne's settles the claim the stop left (its journal lacks the batch: released),
  // judges the batch anew and applies it once
  const first = await edit("p-2003", hireAtStAnnes, stopKey);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.shard_version, 1);
  const again = await edit("p-2003", hireAtStAnnes, stopKey);
  assert.equal(again.text, first.text, "the retry answered differently");
  const back = await edit("p-1003", reinstateAtAlbany);
  assert.equal(back.status, 422, back.text);
  assert.equal(back.json.error.code, "active_elsewhere", back.text);
  assert.deepEqual(await activeIn("p-1012", first.json.version), ["ag-sta"]);
  assert.equal(await versionOf("ag-sta", first.json.version), 1, "the hire was applied more than once");
  const log = await call("GET", `/v1/log?since=0&at_least=${first.json.version}`, "p-admin");
  assert.deepEqual(log.json.entries.map((e) => `${e.shard}.${e.version}`), ["agency:ag-alb.1", "agency:ag-sta.1"]);
});

test("two coordinators of two agencies hire one person at the same moment: exactly one wins, 24 times", async () => {
  const wins = { "ag-alb": 0, "ag-sta": 0 };
  const last = {};
  for (let i = 0; i < 24; i++) {
    const person = `p-race-${i}`;
    const hire = (agency, sub) => edit(sub, { op: "add_staff", agency, person, name: `Sam Race ${i}`, nt_account: `srace${i}` });
    const [alb, sta] = await Promise.all([hire("ag-alb", "p-1003"), hire("ag-sta", "p-2003")]);
    const won = [alb, sta].filter((r) => r.status === 200);
    const lost = [alb, sta].filter((r) => r.status !== 200);
    assert.equal(won.length, 1, `round ${i}: ${alb.text} / ${sta.text}`);
    assert.equal(lost[0].status, 422, lost[0].text);
    assert.equal(lost[0].json.error.code, "active_elsewhere", lost[0].text);
    wins[won[0].json.shard.slice("agency:".length)]++;
    last[won[0].json.shard] = won[0].json.shard_version;
  }
  // the whole state at least as new as every win (a token naming each agency's last)
  const newest = "d0" + Object.entries(last).sort().map(([s, v]) => `~${s.slice("agency:".length)}.${v}`).join("");
  const r = await call("GET", `/v1/snapshot?at_least=${newest}`, "p-admin");
  assert.equal(r.status, 200, r.text);
  const day = r.json.as_of;
  for (let i = 0; i < 24; i++) {
    const where = r.json.agencies.filter((a) => a.staff.some((s) => s.person === `p-race-${i}` && s.start <= day && (s.end == null || s.end > day)));
    assert.equal(where.length, 1, `p-race-${i} is active in ${where.map((a) => a.id)}`);
    assert.equal(r.json.people.filter((p) => p.id === `p-race-${i}`).length, 1, `p-race-${i} was created twice`);
  }
  console.log(`# 24 hires at once: Albany won ${wins["ag-alb"]}, St. Anne's ${wins["ag-sta"]}`);
});
