// Every scenario file gives the same result through the WebAssembly module as natively
// (issue 4): the same counts and the same failures, expectation by expectation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModule } from "./module.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const wasmPath = process.env.CONNSEC_WASM || path.join(root, "wasm/build/connsec.wasm");
const scenarioDir = path.join(root, "fixtures/scenarios");
const mod = await loadModule(wasmPath);

const files = (await readdir(scenarioDir)).filter((f) => f.endsWith(".json")).sort();
const native = JSON.parse(execFileSync("go", ["run", "./tools/connsec", "validate", "--json",
  ...files.map((f) => path.join("fixtures/scenarios", f))], { cwd: root, maxBuffer: 1 << 28 })
  .toString().split("\n").filter((l) => l !== "" && !/^\d+ passed, \d+ failed$/.test(l)).join("\n"));

test("the corpus is there", () => {
  assert.ok(files.length >= 30, `only ${files.length} scenario files`);
  assert.equal(native.length, files.length);
});

for (const [i, file] of files.entries()) {
  test(`scenario ${file}: wasm equals native`, async () => {
    const text = await readFile(path.join(scenarioDir, file), "utf8");
    const ref = JSON.parse(text).snapshot_file;
    const files = {};
    if (ref) files[ref] = await readFile(path.join(scenarioDir, ref), "utf8");
    const got = mod.call("scenario", { scenario: text, files });
    assert.equal(got.ok, true, JSON.stringify(got.error));
    assert.deepEqual(got.result, native[i].result);
    assert.equal(got.result.failed, 0, JSON.stringify(got.result.failures));
  });
}

test("calls answer with values and never throw", async () => {
  const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"), "utf8");
  assert.deepEqual(mod.call("check", { subject: "p-admin", action: "read", resource: "page:pg-alb-org" }).error.code, "invalid_value");
  const loaded = mod.call("load", { snapshot });
  assert.equal(loaded.ok, true);
  assert.equal(loaded.result.as_of, "2026-11-22");
  const d = mod.call("check", { subject: "p-1012", action: "case.view", resource: "unit:u-alb-cpsinv" });
  assert.equal(d.result.allowed, true);
  assert.match(d.result.reasons[0].message, /CPS_CASEWORKER/);
  assert.equal(mod.call("check", { subject: "p-nobody", action: "read", resource: "page:pg-alb-org" }).error.code, "unknown_reference");
  assert.equal(mod.call("fly").error.code, "invalid_value");
  const refused = mod.call("load", { snapshot: snapshot.replace('"as_of": "2026-11-22"', '"as_of": "2026-02-30"') });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.problems[0].path, "as_of");
  // a refused load keeps the model that was loaded
  assert.equal(mod.call("version").result.version, 0);
  const batch = { actor: "p-1003", base_version: 0, edits: [{ op: "add_staff", agency: "ag-alb", person: "p-9001", name: "Nia Worker", nt_account: "nworker" }] };
  const w = mod.call("whatif", { batch });
  assert.equal(w.result.accepted, true);
  assert.match(w.result.summary, /^1 person gains reader/);
  assert.equal(w.result.access_total, w.result.access.length);
  // a diff cut to its first row still counts every change, and its summary is the same
  const cut = mod.call("whatif", { batch, access_rows: 1 });
  assert.equal(cut.result.access.length, 1);
  assert.deepEqual(cut.result.access[0], w.result.access[0]);
  assert.equal(cut.result.access_total, w.result.access_total);
  assert.equal(cut.result.summary, w.result.summary);
  assert.ok(w.result.access_total > 1);
  const applied = mod.call("apply", { batch, time: "2026-11-22T09:00:00Z" });
  assert.equal(applied.result.version, 1);
  assert.equal(mod.call("apply", { batch }).error.code, "version_conflict");
  assert.match(mod.call("report", { agency: "ag-alb", format: "csv" }).result, /^unit,unit_name,person/);
});
