// Figures, printed and not asserted (speed is measured, never a pass/fail condition): the
// load of the example and of the generated 5,000-staff / 50,000-page snapshot in Chromium,
// the what-if of one edit, and checks through connsec.call in Chromium and in Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { open, siteDir, artifacts } from "./browser.mjs";

const root = path.resolve(siteDir, "..");
const big = path.join(artifacts, "big.json");

function ensureBig() {
  if (existsSync(big)) return;
  execFileSync("go", ["run", "./tools/connsec", "gen", "--agencies", "10", "--staff", "5000", "--pages", "50000", "--out", big], { cwd: root, stdio: "inherit" });
}

// requests: page checks of active staff on pages of their agency, the same in both places
function requestsOf(doc, n) {
  const out = [];
  for (let i = 0; out.length < n; i++) {
    const a = doc.agencies[i % doc.agencies.length];
    const s = a.staff[(i * 7) % a.staff.length];
    const p = a.pages[(i * 13) % a.pages.length];
    out.push({ subject: s.person, action: ["read", "edit", "manage_security"][i % 3], resource: `page:${p.id}` });
  }
  return out;
}

// one edit: a worker of the first agency moves to another unit, by its primary coordinator
function oneEdit(doc) {
  const a = doc.agencies[0];
  const rec = a.staff.find((s) => !s.end && s.unit);
  const unit = a.units.find((u) => u.id !== rec.unit && !u.temporary);
  const actor = a.coordinators.find((c) => c.role === "primary").person;
  return { actor, base_version: doc.version, edits: [{ op: "move_staff", agency: a.id, person: rec.person, unit: unit.id }] };
}

// measure runs in the page or in Node: N single checks through connsec.call, then one call of
// `allowed` with the same requests, then one what-if.
function measure({ requests, batch, loops }) {
  const args = requests.map((r) => JSON.stringify(r));
  const call = globalThis.connsec.call;
  for (let i = 0; i < 200; i++) call("check", args[i % args.length]); // warm up
  let t0 = performance.now();
  for (let i = 0; i < loops; i++) call("check", args[i % args.length]);
  const checkUs = ((performance.now() - t0) / loops) * 1000;
  const all = JSON.stringify({ requests });
  call("allowed", all);
  t0 = performance.now();
  const answer = JSON.parse(call("allowed", all));
  const allowedUs = ((performance.now() - t0) / requests.length) * 1000;
  t0 = performance.now();
  const w = JSON.parse(call("whatif", JSON.stringify({ batch })));
  const whatifMs = performance.now() - t0;
  // suggest: the first denied request, its suggestions each verified by a what-if
  const denied = requests.find((r, i) => answer.ok && !answer.result[i]);
  t0 = performance.now();
  const sg = denied ? JSON.parse(call("suggest", JSON.stringify(denied))) : null;
  const suggestMs = performance.now() - t0;
  return { checkUs, allowedUs, allowedOk: answer.ok, whatifMs, whatif: w.ok ? w.result.summary : w.error.message, accepted: w.ok && w.result.accepted,
    suggestMs, suggestions: sg?.ok ? sg.result.length : -1 };
}

const rows = [];
const print = (label, v) => rows.push(`${label}: ${v}`);

for (const [name, file, url] of [
  ["example", path.join(siteDir, "examples/example/snapshot.json"), "examples/example/snapshot.json"],
  ["5000 staff / 50000 pages", big, "test/artifacts/big.json"],
]) {
  test(`figures: ${name}`, { timeout: 900000 }, async () => {
    if (file === big) ensureBig();
    const text = await readFile(file, "utf8");
    const doc = JSON.parse(text);
    const requests = requestsOf(doc, 4096);
    const batch = oneEdit(doc);
    const loops = 20000;

    // Chromium: open it as a user does, with ?snapshot=, then measure in the page
    const b = await open({ query: `?snapshot=${url}` });
    try {
      await b.page.waitForFunction(() => window.connsecApp.state.doc, null, { timeout: 120000 });
      const t = await b.page.evaluate(() => window.connsecApp.state.timings);
      print(`${name} · Chromium load (${(text.length / 1e6).toFixed(1)} MB): download`, `${t.fetch.toFixed(0)} ms`);
      print(`${name} · Chromium load: evaluator (load_text)`, `${t.module.toFixed(0)} ms`);
      print(`${name} · Chromium load: JSON.parse + index for the browse lists`, `${(t.parse + t.index).toFixed(0)} ms`);
      print(`${name} · Chromium load: total after download`, `${t.ready.toFixed(0)} ms`);
      const m = await b.page.evaluate(measure, { requests, batch, loops });
      assert.ok(m.allowedOk && m.accepted, JSON.stringify(m));
      print(`${name} · Chromium check through connsec.call (with reasons, JSON both ways)`, `${m.checkUs.toFixed(1)} µs per call (${loops} calls)`);
      print(`${name} · Chromium allowed, ${requests.length} requests in one call`, `${m.allowedUs.toFixed(2)} µs per request`);
      print(`${name} · Chromium what-if of one edit`, `${m.whatifMs.toFixed(0)} ms (${m.whatif})`);
      print(`${name} · Chromium suggest for a denied request`, `${m.suggestMs.toFixed(0)} ms (${m.suggestions} suggestions)`);
      // the panels on this snapshot: drawing them, and the who/what lists in virtual tables
      const page = b.page;
      for (const [tab, ready] of [["browse", "#page-tree li"], ["check", "#verdict"], ["lists", "#list-table [role=row][aria-rowindex]"]]) {
        const t0 = Date.now();
        await page.click(`#tab-${tab}`);
        await page.waitForSelector(ready);
        print(`${name} · Chromium ${tab} panel drawn`, `${Date.now() - t0} ms`);
      }
      // type-ahead: one keystroke in a field, the datalist filled (the checker's fields: the
      // page-or-target list holds every page, unit, agency and person)
      const typeahead = await page.evaluate(() => {
        const out = [];
        for (const [id, q] of [["check-resource", "zzq"], ["check-resource", "intake"], ["check-subject", "zzq"], ["check-subject", "an"]]) {
          const el = document.getElementById(id);
          el.value = q;
          const t0 = performance.now();
          el.dispatchEvent(new Event("input"));
          out.push(`${id} “${q}” ${(performance.now() - t0).toFixed(1)} ms`);
        }
        return out.join(", ");
      });
      print(`${name} · Chromium type-ahead, one keystroke`, typeahead);
      const person = requests[0].subject;
      await page.fill("#what-person", person);
      let t0 = Date.now();
      await page.click("#what-run");
      await page.waitForFunction(() => /^Pages /.test(document.getElementById("list-title").textContent));
      print(`${name} · Chromium what can ${person} read (list drawn)`, `${Date.now() - t0} ms, ${await page.textContent("#list-note")}`);
      await page.$eval("#list-table .vt-body", (el) => { el.scrollTop = el.scrollHeight / 2; });
      await page.waitForTimeout(100);
      print(`${name} · rows in the DOM of that list`, await page.$$eval("#list-table [role=row][aria-rowindex]", (r) => r.length));
      await b.shot(`figures-${name.replace(/\W+/g, "-")}`);
      // the same edit through the what-if form, until its diff is painted
      await page.click("#tab-whatif");
      await page.fill("#actor", batch.actor);
      await page.dispatchEvent("#actor", "change");
      await page.selectOption("#op-choose", "move_staff");
      const e = batch.edits[0];
      await page.selectOption("#op-form [data-field=agency]", e.agency);
      await page.fill("#op-form [data-field=person]", e.person);
      await page.selectOption("#op-form [data-field=unit]", e.unit);
      t0 = Date.now();
      await page.click("#op-add");
      await page.waitForSelector("#diff-summary", { timeout: 600000 });
      print(`${name} · Chromium what-if through the form, diff painted`, `${Date.now() - t0} ms`);
      await b.shot(`figures-whatif-${name.replace(/\W+/g, "-")}`);
    } finally {
      await b.close();
    }

    // Node: the same module and calls, in a process of its own
    const reqFile = path.join(artifacts, "figures-requests.json");
    await writeFile(reqFile, JSON.stringify({ requests, batch, loops }));
    const n = JSON.parse(execFileSync("node", [path.join(siteDir, "test/node-figures.mjs"), path.join(siteDir, "connsec.wasm"), file, reqFile],
      { maxBuffer: 1 << 20 }).toString());
    assert.ok(n.allowedOk && n.accepted, JSON.stringify(n));
    print(`${name} · Node load_text`, `${n.loadTextMs.toFixed(0)} ms`);
    print(`${name} · Node load (snapshot inside JSON arguments, a second model)`, `${n.loadJSONMs.toFixed(0)} ms`);
    print(`${name} · Node check through connsec.call`, `${n.checkUs.toFixed(1)} µs per call`);
    print(`${name} · Node allowed, ${requests.length} requests in one call`, `${n.allowedUs.toFixed(2)} µs per request`);
    print(`${name} · Node what-if of one edit`, `${n.whatifMs.toFixed(0)} ms`);
  });
}

test("figures: summary", () => {
  console.log(rows.join("\n"));
});
