// The edge figures of issue 6, measured in one run (`make bench-edge`): the worker's wasm size,
// the reader isolate's memory on 40 agencies (READERS_ONLY=1 stops there), check latency
// through workerd for a 500-staff agency and for the 5,000-staff / 50,000-page snapshot
// against a plain JavaScript worker's floor, and accepted edits per second (AGENCY_EDITS_ONLY=1:
// only edits of 8 agencies at once against one alone; CONNSEC_TEST_PORT moves the worker's port).
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { startWrangler, token, workerDir, root } from "./wrangler.mjs";

const secret = randomBytes(24).toString("base64url");
const N = Number(process.env.CHECKS || 1000);
const quantile = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function latencies(url, body, headers) {
  for (let i = 0; i < 50; i++) await (await fetch(url, { method: "POST", body, headers })).text(); // warm
  const xs = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await fetch(url, { method: "POST", body, headers });
    await r.text();
    if (r.status !== 200) throw new Error(`check answered ${r.status}`);
    xs.push(performance.now() - t0);
  }
  return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) };
}

async function withWorker(snapshotPath, fn) {
  const state = await mkdtemp(path.join(os.tmpdir(), "connsec-fig-"));
  const text = await readFile(snapshotPath);
  const snap = JSON.parse(text);
  const w = await startWrangler({ port: Number(process.env.CONNSEC_TEST_PORT || 8793), persistTo: state, vars: { CONNSEC_JWT_SECRET: secret, CONNSEC_SEED_ADMIN: snap.administrators[0] } });
  try {
    const t0 = performance.now();
    // a snapshot over the whole seed's limit (the state) is sent in parts, gzip, as an
    // administrator sends it (connsec parts)
    const inParts = text.length > 60 << 20;
    const body = inParts ? gzipSync([JSON.stringify({ ...snap, agencies: [] }), ...snap.agencies.map((a) => JSON.stringify(a))].join("\n") + "\n") : text;
    const headers = { authorization: `Bearer ${token(secret, snap.administrators[0])}` };
    if (inParts) Object.assign(headers, { "content-type": "application/x-ndjson", "content-encoding": "gzip" });
    const seeded = await fetch(w.url + "/v1/snapshot", { method: "PUT", body, headers });
    if (seeded.status !== 200) throw new Error(`seed: ${seeded.status} ${await seeded.text()}`);
    const seedMs = performance.now() - t0;
    // wrangler dev's proxy (not the platform) holds the request that follows one of tens of
    // seconds until another request reaches it: a request it may lose is sent first
    await fetch(w.url + "/healthz", { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => {});
    return await fn(w, snap, seedMs);
  } finally {
    await w.stop();
    await rm(state, { recursive: true, force: true });
  }
}

async function checkFigures(label, snapshotPath) {
  return withWorker(snapshotPath, async (w, snap, seedMs) => {
    const a = snap.agencies[0];
    const subject = a.staff[Math.floor(a.staff.length / 2)].person;
    const page = a.pages[a.pages.length - 1].id;
    const body = JSON.stringify({ subject: { type: "user", id: subject }, action: { name: "read" }, resource: { type: "page", id: page } });
    const headers = { authorization: `Bearer ${token(secret, "service:bench")}`, "content-type": "application/json" };
    const t0 = performance.now();
    const first = await fetch(w.url + "/access/v1/evaluation", { method: "POST", body, headers });
    await first.text();
    const firstMs = performance.now() - t0;
    const l = await latencies(w.url + "/access/v1/evaluation", body, headers);
    console.log(`${label}: seed ${seedMs.toFixed(0)} ms, first check (isolate loads the read model) ${firstMs.toFixed(0)} ms, check p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms (${N} sequential checks)`);
    return l;
  });
}

// Edits: each coordinator pushes with its agency's version it last saw and, on 409, again on the
// agency's version the conflict names (conflicts are part of the cost).
async function editFigures(clients, per, keyedOnly = false) {
  return withWorker(path.join(root, "fixtures/example/snapshot.json"), async (w) => {
    const four = [["p-1003", "ag-alb", "p-1012", ["p-1010"]], ["p-1005", "ag-alb", "p-1013", []], ["p-2003", "ag-sta", "p-2003", []], ["p-2004", "ag-sta", "p-2004", []]];
    const all = Array.from({ length: clients }, (_, i) => four[i % 4]);
    let conflicts = 0;
    const t0 = performance.now();
    await Promise.all(all.slice(0, clients).map(async ([actor, agency, person, managers]) => {
      const headers = { authorization: `Bearer ${token(secret, actor)}` };
      let version = 0;
      const client = Math.random().toString(36).slice(2);
      for (let i = 0; i < per; i++) {
        for (;;) {
          const batch = { edits: [{ op: "set_reports_to", agency, person, managers }] };
          if (!keyedOnly) batch.base_version = version;
          const r = await fetch(w.url + "/v1/edits", { method: "POST", headers: { ...headers, "idempotency-key": `${client}-${i}` }, body: JSON.stringify(batch) });
          const answer = await r.json();
          if (r.status === 409) { conflicts++; version = answer.shard_version; continue; }
          if (r.status !== 200) throw new Error(`edit: ${r.status} ${JSON.stringify(answer)}`);
          version = answer.shard_version;
          break;
        }
      }
    }));
    const s = (performance.now() - t0) / 1000;
    const how = keyedOnly ? "keyed, no base_version" : `with base_version, ${conflicts} conflicts rebased`;
    console.log(`edits: ${clients * per} accepted from ${clients} client${clients > 1 ? "s" : ""} at once in ${s.toFixed(2)} s (${how}): ${(clients * per / s).toFixed(0)} accepted edits/s`);
  });
}

// Edits of several agencies at once against one agency alone, on a generated state: each
// agency's coordinator pushes keyed batches (a claim each: a worker ended and reinstated in
// turn), one client per agency, so nothing conflicts; the agencies' Shard objects judge at the
// same time, and every batch takes its steps through the one directory object.
async function agencyEditFigures(snapshotPath, agencies, per) {
  return withWorker(snapshotPath, async (w, snap) => {
    const run = async (list) => {
      const t0 = performance.now();
      await Promise.all(list.map(async (a) => {
        const coordinator = a.coordinators[0].person ?? a.coordinators[0];
        const person = a.staff.findLast((r) => r.person !== coordinator && r.start <= snap.as_of && r.end == null && !(r.out_assignments ?? []).length).person;
        const headers = { authorization: `Bearer ${token(secret, coordinator)}`, "content-type": "application/json" };
        for (let i = 0; i < per; i++) {
          const batch = { edits: [{ op: i % 2 ? "reinstate_staff" : "end_date_staff", agency: a.id, person }] };
          const r = await fetch(w.url + "/v1/edits", { method: "POST", headers: { ...headers, "idempotency-key": `${a.id}-${list.length}-${i}` }, body: JSON.stringify(batch) });
          if (r.status !== 200) throw new Error(`edit at ${a.id}: ${r.status} ${await r.text()}`);
          await r.text();
        }
      }));
      return (list.length * per) / ((performance.now() - t0) / 1000);
    };
    const one = await run(snap.agencies.slice(0, 1));
    const many = await run(snap.agencies.slice(0, agencies));
    console.log(`edits in Shard objects, ${snap.agencies.length} agencies: one agency alone ${one.toFixed(1)} accepted edits/s; ${agencies} agencies at once ${many.toFixed(1)} accepted edits/s (${per} each, keyed: a worker ended and reinstated in turn, a claim each)`);
  });
}

// The reader isolate's memory (GET /v1/readers) on 40 agencies: fresh, after evaluations on
// pages of 10 of them (the agency models it loads, within its budget), after the coordinator's
// read routes on those 10 (an agency's view, lint, the report, profiles, /v1/me: from the same
// agency models), after a what-if of a security review on each (judged on the agency's shard),
// and after a what-if of a staff move (which still reads the whole model) made it load the whole
// model as well.
async function readerFigures(snapshotPath) {
  return withWorker(snapshotPath, async (w, snap, seedMs) => {
    const admin = { authorization: `Bearer ${token(secret, snap.administrators[0])}` };
    const mb = (n) => (n / (1 << 20)).toFixed(1);
    const readers = async (label) => {
      const r = await (await fetch(w.url + "/v1/readers", { headers: admin })).json();
      const writer = async (shard) => (await (await fetch(w.url + "/v1/writers?shard=" + shard, { headers: admin })).json()).memory;
      const dir = await writer("directory"), first = await writer("agency:" + snap.agencies[0].id);
      console.log(`  ${label}: writers' objects (GET /v1/writers): directory Go heap ${mb(dir.heap_live_bytes)} MB live (${mb(dir.heap_alloc_bytes)} MB allocated), memory taken ${mb(dir.sys_bytes)} MB; ${snap.agencies[0].id} ${mb(first.heap_live_bytes)} MB live, ${mb(first.sys_bytes)} MB taken`);
      console.log(`  ${label}: ${r.models.length} agency models held (${mb(r.used_bytes)} MB estimated, ${r.loads} loads, ${r.evictions} evictions), directory ${mb(r.directory_bytes)} MB, ${r.whole_model === undefined ? "(whole model not reported)" : r.whole_model ? "the whole model too" : "no whole model"}; Go heap ${mb(r.memory.heap_live_bytes)} MB live (${mb(r.memory.heap_alloc_bytes)} MB allocated), WebAssembly memory taken ${mb(r.memory.sys_bytes)} MB`);
    };
    console.log(`reader isolate memory, ${snap.agencies.length} agencies (GET /v1/readers), seeded in ${(seedMs / 1000).toFixed(1)} s:`);
    await readers("fresh");
    const headers = { authorization: `Bearer ${token(secret, "service:bench")}`, "content-type": "application/json" };
    for (const a of snap.agencies.slice(0, 10)) {
      const body = JSON.stringify({ subject: { type: "user", id: a.staff[0].person }, action: { name: "read" }, resource: { type: "page", id: a.pages[1].id } });
      await (await fetch(w.url + "/access/v1/evaluation", { method: "POST", body, headers })).text();
    }
    await readers("after evaluations on 10 agencies");
    for (const a of snap.agencies.slice(0, 10)) {
      const coord = { authorization: `Bearer ${token(secret, a.coordinators.map((c) => c.person ?? c)[0])}` };
      for (const [p, h] of [[`/v1/snapshot?agency=${a.id}`, admin], [`/v1/lint?agency=${a.id}`, admin], ["/v1/lint", coord], [`/v1/report?agency=${a.id}`, coord],
        [`/v1/profile/${a.staff[0].person}`, admin], ["/v1/me", coord]]) {
        const r = await fetch(w.url + p, { headers: h });
        if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
        await r.text();
      }
    }
    await readers("after the coordinator's read routes on those 10 agencies");
    const whatif = async (a, edit) => {
      const actor = a.coordinators.map((c) => c.person ?? c)[0];
      const r = await fetch(w.url + "/v1/whatif", { method: "POST", body: JSON.stringify({ edits: [edit] }), headers: { authorization: `Bearer ${token(secret, actor)}`, "content-type": "application/json" } });
      if (r.status !== 200) throw new Error(`what-if: ${r.status} ${await r.text()}`);
      await r.text();
    };
    for (const a of snap.agencies.slice(0, 10)) await whatif(a, { op: "record_security_review", agency: a.id });
    await readers("after a what-if of a security review on each (judged on its shard)");
    const a = snap.agencies[0];
    await whatif(a, { op: "move_staff", agency: a.id, person: a.staff[0].person, unit: a.units[a.units.length - 1].id });
    await readers("after a what-if of a staff move loaded the whole model too");
  });
}

// The state profile (`connsec gen --profile state`: about 410 agencies, 20,000 staff, 200,000
// pages), seeded in parts: the first check of the largest and of a small agency (the isolate
// loads the agency's read model, cut by the directory's object), check p50/p99 on each against
// the plain JavaScript floor, accepted edits/s of 40 coordinators of 40 agencies at once (each
// with its agency's base_version) against the same load on one agency, and the memory of the
// reader isolate and of the directory's and those agencies' objects.
async function stateFigures(snapshotPath, floor) {
  return withWorker(snapshotPath, async (w, snap, seedMs) => {
    const admin = { authorization: `Bearer ${token(secret, snap.administrators[0])}` };
    const mb = (n) => (n / (1 << 20)).toFixed(1);
    const active = (a) => a.staff.filter((r) => r.start <= snap.as_of && (r.end == null || r.end >= snap.as_of));
    const bySize = snap.agencies.slice().sort((x, y) => active(y).length - active(x).length);
    const largest = bySize[0];
    const small = bySize.findLast((a) => active(a).length >= 5 && a.pages.length >= 10);
    console.log(`state profile: ${snap.agencies.length} agencies, ${snap.agencies.reduce((n, a) => n + a.staff.length, 0)} staff records, ${snap.agencies.reduce((n, a) => n + a.pages.length, 0)} pages; seeded in parts in ${(seedMs / 1000).toFixed(1)} s`);
    const memory = async (label, agencies) => {
      const r = await (await fetch(w.url + "/v1/readers", { headers: admin })).json();
      const parts = [`reader isolate ${mb(r.memory.heap_live_bytes)} MB live, ${mb(r.memory.sys_bytes)} MB taken (${r.models.length} agency models, directory index ${mb(r.directory_bytes)} MB)`];
      for (const shard of ["directory", ...agencies.map((a) => "agency:" + a.id)]) {
        const m = (await (await fetch(w.url + "/v1/writers?shard=" + shard, { headers: admin })).json()).memory;
        parts.push(`${shard} ${mb(m.heap_live_bytes)} MB live, ${mb(m.sys_bytes)} MB taken`);
      }
      console.log(`  memory ${label}: ${parts.join("; ")}`);
    };
    // the directory's object only: asking an agency's object would start it before its cold check
    await memory("after the seed", []);
    const headers = { authorization: `Bearer ${token(secret, "service:bench")}`, "content-type": "application/json" };
    for (const [label, a] of [[`largest agency ${a0(largest)}`, largest], [`small agency ${a0(small)}`, small]]) {
      const subject = active(a)[Math.floor(active(a).length / 2)].person;
      const body = JSON.stringify({ subject: { type: "user", id: subject }, action: { name: "read" }, resource: { type: "page", id: a.pages[a.pages.length - 1].id } });
      const t0 = performance.now();
      const first = await fetch(w.url + "/access/v1/evaluation", { method: "POST", body, headers });
      if (first.status !== 200) throw new Error(`first check at ${a.id}: ${first.status} ${await first.text()}`);
      await first.text();
      const firstMs = performance.now() - t0;
      const l = await latencies(w.url + "/access/v1/evaluation", body, headers);
      const ratio = floor ? ` (${(l.p50 / floor.p50).toFixed(2)}× and ${(l.p99 / floor.p99).toFixed(2)}× the floor with assets)` : "";
      console.log(`  ${label}: first check (cold: the isolate holds the directory index and loads the agency's read model) ${firstMs.toFixed(0)} ms; check p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms${ratio} (${N} sequential checks)`);
    }
    await memory("after the checks", [largest, small]);
    // each coordinator sets one worker's reports-to, with the agency's version it last saw as
    // base_version; a 409 is rebased on the version it names
    const per = Number(process.env.STATE_EDITS || 3);
    const push = async (clients) => {
      let conflicts = 0, lost = 0;
      const done = {};
      const t0 = performance.now();
      await Promise.all(clients.map(async ([a, i]) => {
        const coordinator = a.coordinators[0].person ?? a.coordinators[0];
        const staff = active(a).filter((r) => r.person !== coordinator);
        const person = staff[i % staff.length].person;
        const h = { authorization: `Bearer ${token(secret, coordinator)}`, "content-type": "application/json" };
        let version = 0;
        const client = `${a.id}-${clients.length}-${i}`;
        for (let k = 0; k < per; k++) {
          for (;;) {
            const batch = { base_version: version, edits: [{ op: "set_reports_to", agency: a.id, person, managers: [] }] };
            // wrangler dev's proxy answers 503 when it lost the request ("restarted
            // mid-request"), or drops the connection; the key makes sending it again safe, as
            // a client would
            let r, text;
            try {
              r = await fetch(w.url + "/v1/edits", { method: "POST", headers: { ...h, "idempotency-key": `${client}-${k}` }, body: JSON.stringify(batch) });
              text = await r.text();
            } catch (e) {
              if (e?.cause?.code !== "ECONNRESET" && e?.cause?.code !== "UND_ERR_SOCKET") throw e;
              lost++;
              continue;
            }
            if (r.status === 503 && text.startsWith("Your worker restarted")) { lost++; continue; }
            const answer = JSON.parse(text);
            if (r.status === 409) { conflicts++; version = answer.shard_version; continue; }
            if (r.status !== 200) throw new Error(`edit at ${a.id}: ${r.status} ${JSON.stringify(answer)}`);
            version = answer.shard_version;
            break;
          }
        }
        done[a.id] = (done[a.id] ?? 0) + per;
      }));
      const s = (performance.now() - t0) / 1000;
      const rates = Object.values(done).map((n) => n / s).sort((x, y) => x - y);
      return { rate: (clients.length * per) / s, conflicts, lost, shards: rates.length, median: rates[Math.floor(rates.length / 2)], s };
    };
    const forty = snap.agencies.filter((a) => a !== largest && active(a).length >= 2).slice(0, 40);
    const many = await push(forty.map((a) => [a, 0]));
    console.log(`  edits, 40 coordinators of 40 agencies at once: ${many.rate.toFixed(1)} accepted edits/s in all (${(40 * per)} in ${many.s.toFixed(1)} s), ${many.median.toFixed(2)} per agency's shard (median), ${many.conflicts} conflicts (${many.lost} sent again after the dev proxy lost them)`);
    const one = await push(Array.from({ length: 40 }, (_, i) => [forty[0], i]));
    console.log(`  edits, the same load on one agency (${a0(forty[0])}, 40 clients): ${one.rate.toFixed(1)} accepted edits/s, ${one.conflicts} conflicts rebased (${one.lost} sent again)`);
    await memory("after the edits", [largest, forty[0]]);
  });
}

const a0 = (a) => `${a.name} (${a.id})`;

const wasm = await readFile(path.join(workerDir, "build/app.wasm"));
console.log(`worker wasm: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} gzip`);

const tmp = await mkdtemp(path.join(os.tmpdir(), "connsec-gen-"));
const gen = (name, ...args) => {
  const out = path.join(tmp, name);
  execFileSync("go", ["run", "./tools/connsec", "gen", ...args, "--out", out], { cwd: root });
  return out;
};
if (process.env.AGENCY_EDITS_ONLY) {
  await agencyEditFigures(gen("agencies8.json", "--agencies", "8", "--staff", "800", "--pages", "4000", "--seed", "5"), 8, Number(process.env.EDITS || 40));
  await rm(tmp, { recursive: true, force: true });
  process.exit(0);
}
if (process.env.STATE_ONLY) {
  await stateFigures(gen("state.json", "--profile", "state"));
  await rm(tmp, { recursive: true, force: true });
  process.exit(0);
}
// READERS_PROFILE=state measures the readers on the state profile (about 410 agencies) instead.
await readerFigures(process.env.READERS_PROFILE ? gen(`${process.env.READERS_PROFILE}.json`, "--profile", process.env.READERS_PROFILE)
  : gen("agencies40.json", "--agencies", "40", "--staff", "4000", "--pages", "40000", "--seed", "3"));
if (process.env.READERS_ONLY) { await rm(tmp, { recursive: true, force: true }); process.exit(0); }

const floorOf = async (config) => {
  const fw = await startWrangler({ port: 8794, cwd: path.join(workerDir, "test/floor"), config });
  try { return await latencies(fw.url + "/access/v1/evaluation", JSON.stringify({}), {}); } finally { await fw.stop(); }
};
const bare = await floorOf("bare.jsonc");
console.log(`plain JavaScript worker, bare (floor): p50 ${bare.p50.toFixed(2)} ms, p99 ${bare.p99.toFixed(2)} ms`);
const floor = await floorOf("wrangler.jsonc");
console.log(`plain JavaScript worker with the same static assets (floor): p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms`);

const small = await checkFigures("500-staff agency (1 agency, 500 staff, 5,000 pages)", gen("agency500.json", "--agencies", "1", "--staff", "500", "--pages", "5000"));
console.log(`  ratio to the floor with assets: p50 ${(small.p50 / floor.p50).toFixed(2)}×, p99 ${(small.p99 / floor.p99).toFixed(2)}×; to the bare floor: p50 ${(small.p50 / bare.p50).toFixed(2)}×`);
if (!process.env.SKIP_LARGE) {
  const large = await checkFigures("5,000 staff / 50,000 pages (10 agencies)", gen("large.json", "--agencies", "10", "--staff", "5000", "--pages", "50000"));
  console.log(`  ratio to the floor with assets: p50 ${(large.p50 / floor.p50).toFixed(2)}×, p99 ${(large.p99 / floor.p99).toFixed(2)}×; to the bare floor: p50 ${(large.p50 / bare.p50).toFixed(2)}×`);
}
if (!process.env.SKIP_STATE) await stateFigures(gen("state.json", "--profile", "state"), floor);
const EDITS = Number(process.env.EDITS || 400);
await editFigures(1, EDITS / 2);
await editFigures(4, EDITS / 4);
await editFigures(4, EDITS / 4, true);
await editFigures(16, EDITS / 16, true);
await rm(tmp, { recursive: true, force: true });
