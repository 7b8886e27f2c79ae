// The WebAssembly memory figure (make bench-memory): how large the module's memory grows when
// it holds a snapshot, measured as WebAssembly.Memory's size, the figure a browser tab and a
// Workers isolate pay. Go's memory in WebAssembly never shrinks, so the size after a step is
// the high-water mark up to that step; each role runs in a fresh Node process so that one
// role's garbage does not count for another.
//
//   node wasm/bench/memory.mjs SNAPSHOT.json [LABEL]
//
// prints, for a reader (load, lint, what) and a writer (load, a what-if of a propagation of
// one of the organization's default sections, then apply it), the size after each step in MB
// and the step's time (a collector that runs without end shows there); a module that runs
// out of memory is reported with the step it reached.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModule } from "../test/module.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmPath = path.join(here, "..", "build", "connsec.wasm");
const MB = 1024 * 1024;

async function role(name, file) {
  const mod = await loadModule(wasmPath);
  // each step is written as it is reached, so that a module that runs out of memory still
  // tells how far it got
  let since = Date.now();
  const step = (name) => {
    process.stdout.write(JSON.stringify([name, +(mod.memory().buffer.byteLength / MB).toFixed(1), Date.now() - since]) + "\n");
    since = Date.now();
  };
  step("start");
  const text = readFileSync(file, "utf8");
  since = Date.now();
  // a reader opens the snapshot for reading only: its model keeps no document
  const loaded = mod.callText(name === "reader" ? "read_text" : "load_text", text);
  if (!loaded.ok) throw new Error(`${file} did not load: ${JSON.stringify(loaded.error)}`);
  step("load");
  const snap = JSON.parse(text);
  const agency = snap.agencies[0];
  const orgPage = agency.pages.find((p) => p.kind === "organization");
  const org = orgPage.id;
  const admin = snap.administrators[0];
  if (name === "reader") {
    mod.call("lint");
    step("lint");
    const person = agency.staff[0].person;
    const r = mod.call("check", { subject: person, action: "read", resource: `page:${org}` });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    mod.call("what", { person, action: "read" });
    step("what");
  } else {
    // the organization's own default section for departments (or its first) propagated to
    // every page of that kind below it (a template: department, individual, project or
    // org_metric), as the edit benchmarks do
    const kinds = Object.keys(orgPage.defaults || {});
    const kind = ["department", "individual", "project", "org_metric"].find((k) => kinds.includes(k));
    if (!kind) throw new Error(`${org} has no default section to propagate`);
    const batch = { actor: admin, edits: [{ op: "propagate_defaults", page: org, kind }] };
    const w = mod.call("whatif", { batch });
    if (!w.ok || !w.result.accepted) throw new Error(`the what-if was refused: ${JSON.stringify(w.error || w.result.error)}`);
    step("what-if propagate");
    const a = mod.call("apply", { batch, time: "2026-11-22T09:00:00Z" });
    if (!a.ok) throw new Error(JSON.stringify(a.error));
    step("apply");
  }
}

if (process.argv[2] === "--role") {
  await role(process.argv[3], process.argv[4]);
  process.exit(0);
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node wasm/bench/memory.mjs SNAPSHOT.json [LABEL]");
  process.exit(2);
}
const label = process.argv[3] || path.basename(file);
for (const r of ["reader", "writer"]) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--role", r, file], { maxBuffer: 1 << 24 });
  // the Go runtime writes its own messages to the same output: only the steps are JSON
  const steps = run.stdout.toString().split("\n").filter((l) => l.startsWith("[")).map((l) => JSON.parse(l));
  const took = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
  let line = `${label} ${r}: ` + steps.map(([s, mb, ms]) => (s === "start" ? `${s} ${mb} MB` : `${s} ${mb} MB (${took(ms)})`)).join(", ");
  if (run.status !== 0) {
    const err = run.stdout.toString() + run.stderr.toString();
    const oom = /out of memory: cannot allocate (\d+)-byte block \((\d+) in use\)/.exec(err);
    line += oom
      ? `, then the module ran out of memory (asked for ${(+oom[1] / MB).toFixed(0)} MB with ${(+oom[2] / MB).toFixed(0)} MB in use) and stopped`
      : `, then it failed: ${err.split("\n").find((l) => l.trim() && !l.startsWith("[")) || `exit ${run.status}`}`;
  }
  console.log(line);
}
