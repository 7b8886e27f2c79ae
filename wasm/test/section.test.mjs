// The methods the workbench adds: section answers where a page's effective section comes from
// (SPEC §3); load_text opens a snapshot given as its own text; allowed answers many requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModule } from "./module.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mod = await loadModule(process.env.CONNSEC_WASM || path.join(root, "wasm/build/connsec.wasm"));
const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"), "utf8");

test("section: an item follows the organization page it hangs on", () => {
  assert.equal(mod.call("load", { snapshot }).ok, true);
  const r = mod.call("section", { page: "pg-alb-item-policy" });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.owner, "pg-alb-org");
  assert.equal(r.result.section, "security");
  assert.match(r.result.from, /is an item, so it follows the page it is on/);
  assert.ok(r.result.entries.some((e) => e.principal === "everyone" && e.role === "reader"));
});

test("section: an unknown page is unknown_reference", () => {
  const r = mod.call("section", { page: "pg-none" });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, "unknown_reference");
});

test("load_text: the snapshot text itself loads as load does, and a bad one is refused", () => {
  const r = JSON.parse(globalThis.connsec.call("load_text", snapshot));
  assert.deepEqual(r, mod.call("load", { snapshot }));
  const bad = JSON.parse(globalThis.connsec.call("load_text", "{\"format\": 1}"));
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, "invalid_snapshot");
  assert.equal(mod.call("version").result.version, 0, "the loaded model stays after a refused load");
});

test("read_text: a session that only reads answers as a loaded one and refuses edits", () => {
  mod.call("load", { snapshot });
  const question = { person: "p-1012", action: "read" };
  const loaded = mod.call("what", question);
  const lint = mod.call("lint");
  const r = JSON.parse(globalThis.connsec.call("read_text", snapshot));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(mod.call("what", question), loaded);
  assert.deepEqual(mod.call("lint"), lint);
  const batch = { actor: "p-1001", edits: [{ op: "propagate_defaults", page: "pg-alb-org", kind: "department" }] };
  const w = mod.call("whatif", { batch });
  assert.equal(w.result.accepted, false, JSON.stringify(w));
  assert.equal(w.result.error.code, "read_only");
  assert.equal(mod.call("apply", { batch, time: "2026-11-22T09:00:00Z" }).error.code, "read_only");
  assert.equal(mod.call("snapshot").error.code, "read_only");
  mod.call("load", { snapshot }); // the tests after this one edit
});

test("allowed: many requests in one call answer as check does, and an error names its request", () => {
  mod.call("load", { snapshot });
  const requests = [
    { subject: "p-1064", action: "read", resource: "page:pg-alb-met-turnover" },
    { subject: "p-1001", action: "read", resource: "page:pg-alb-org" },
    { subject: "p-1011", action: "case.view", resource: "unit:u-alb-cpsi1" },
  ];
  const r = mod.call("allowed", { requests });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.result, requests.map((q) => mod.call("check", q).result.allowed));
  const bad = mod.call("allowed", { requests: [requests[0], { subject: "p-none", action: "read", resource: "page:pg-alb-org" }] });
  assert.equal(bad.error.code, "unknown_reference");
  assert.equal(bad.error.path, "requests[1]");
});

test("standing: a coordinator coordinates their agency; a worker is staff only; an unknown person is unknown_reference", () => {
  mod.call("load", { snapshot });
  const coordinator = mod.call("standing", { person: "p-1003" });
  assert.equal(coordinator.ok, true, JSON.stringify(coordinator));
  assert.deepEqual(coordinator.result, { administrator: false, coordinates: ["ag-alb"], staff_of: ["ag-alb"] });
  const worker = mod.call("standing", { person: "p-1012" });
  assert.deepEqual(worker.result.coordinates, []);
  assert.deepEqual(worker.result.staff_of, ["ag-alb"]);
  assert.equal(mod.call("standing", { person: "p-admin" }).result.administrator, true);
  assert.equal(mod.call("standing", { person: "p-none" }).error.code, "unknown_reference");
});

test("suggest: a denied request gets verified suggestions, as the native evaluator gives them; an allowed one none", () => {
  mod.call("load", { snapshot });
  const r = mod.call("suggest", { subject: "p-1012", action: "manage_security", resource: "page:pg-alb-dep-cpsi1" });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result[0].kind, "user_entry");
  assert.match(r.result[0].summary, /add user:p-1012 \(full\)/);
  assert.equal(r.result[0].actors[0].person, "p-1010");
  assert.deepEqual(mod.call("suggest", { subject: "p-1012", action: "read", resource: "page:pg-alb-org" }).result, []);
  assert.equal(mod.call("suggest", { subject: "p-none", action: "read", resource: "page:pg-alb-org" }).error.code, "unknown_reference");
});
