// Edge mode against the REAL worker (wasm/worker under wrangler dev, local state in a temporary
// directory), which serves this site as its static assets: a token the worker refuses, then a
// coordinator who signs in, loads their agency's view, queues an edit, meets a version conflict
// because another coordinator pushed first, looks at the rebased what-if and pushes again; the
// edit log then holds their edit once; and a push whose answer is lost after the worker
// applied it, pushed again under the same key and applied once. Needs `make site worker
// worker-deps` (make test does). CONNSEC_SITE_EDGE_PORT (8795) moves it, VERBOSE=1 shows
// wrangler's output.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { access, mkdtemp, readFile, rm, mkdir, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { chromiumArgs, artifacts } from "./browser.mjs";
import { startWrangler, token, workerDir, root } from "../../wasm/worker/test/wrangler.mjs";

const secret = randomBytes(24).toString("base64url");
const port = Number(process.env.CONNSEC_SITE_EDGE_PORT || 8795);
const tok = (sub) => token(secret, sub);
const move = (unit) => ({ op: "move_staff", agency: "ag-alb", person: "p-1012", unit });

let persist, w, browser, page, base;
const errors = [];
// screenshots are written once the worker has stopped: wrangler dev watches site/ (its assets)
// and a file written there mid-test reloads the worker
const shots = new Map();
const shot = async (name) => shots.set(name, await page.screenshot());

async function call(method, p, t, body, headers = {}) {
  const asJSON = body && !(body instanceof Uint8Array) ? { "content-type": "application/json" } : {};
  const r = await fetch(w.url + p, { method, headers: { authorization: `Bearer ${t}`, ...asJSON, ...headers }, body: body && (typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, json, text };
}

before(async () => {
  for (const [file, how] of [[path.join(workerDir, "build/app.wasm"), "make worker"], [path.join(workerDir, "node_modules/.bin/wrangler"), "make worker-deps"],
    [path.join(root, "site/connsec.wasm"), "make site"]]) {
    await access(file).catch(() => { throw new Error(`${path.relative(root, file)} is missing: run \`${how}\` first`); });
  }
  persist = await mkdtemp(path.join(os.tmpdir(), "connsec-site-edge-"));
  w = await startWrangler({ port, persistTo: persist, log: !!process.env.VERBOSE, vars: { CONNSEC_JWT_SECRET: secret, CONNSEC_SEED_ADMIN: "p-admin" } });
  const seeded = await call("PUT", "/v1/snapshot", tok("p-admin"), await readFile(path.join(root, "fixtures/example/snapshot.json")));
  assert.equal(seeded.status, 200, seeded.text);
  base = 0; // Albany's version: a coordinator's view counts its own agency's batches
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  page = await context.newPage();
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => { if (msg.type() === "error") errors.push(msg.text()); });
  await page.goto(w.url + "/");
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await w?.stop();
  if (persist) await rm(persist, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  for (const [name, png] of shots) await writeFile(path.join(artifacts, `${name}.png`), png);
});

test("real worker: a token signed with another secret is refused in the sign-in box", async () => {
  await page.waitForSelector("#edge-token");
  await page.fill("#edge-token", token("not-the-worker-secret", "p-1003"));
  await page.press("#edge-token", "Enter");
  await page.waitForSelector("#edge [role=alert]");
  await page.waitForSelector("#edge-token");
  const refusal = await page.textContent("#edge [role=alert]");
  assert.match(refusal, /^The server did not accept the token: .*signature/);
  assert.doesNotMatch(refusal, /not accept.*not accepted/, "the reason is said once");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("connsec.token")), null, "a refused token is not kept");
  assert.equal(await page.evaluate(() => window.connsecApp.state.edge), null, "nothing was loaded from the server");
  await shot("edge-worker-bad-token");
});

test("real worker: sign in, the agency view, a conflict with another coordinator, rebase, push once", async () => {
  await page.fill("#edge-token", tok("p-1003"));
  await page.press("#edge-token", "Enter");
  await page.waitForFunction((v) => window.connsecApp.state.edge?.version === v, base);
  assert.match(await page.textContent("#edge"), /Signed in as p-1003/);
  assert.doesNotMatch(await page.textContent("#edge"), /did not accept/, "the earlier refusal is gone");
  assert.match(await page.textContent("#status"), new RegExp(`the server's snapshot · version ${base} ·`));
  // a coordinator is sent their own agency, not the whole document
  assert.deepEqual(await page.evaluate(() => window.connsecApp.state.doc.agencies.map((a) => a.id)), ["ag-alb"]);
  // and is shown it, not the Open panel's bundled examples
  assert.equal(await page.getAttribute("#tab-browse", "aria-selected"), "true");
  await shot("edge-worker-signed-in");

  await page.click("#tab-whatif");
  assert.equal(await page.inputValue("#actor"), "Denise Okafor (p-1003)", "the token's subject acts");
  await page.selectOption("#op-choose", "move_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "p-1012");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  const firstDiff = await page.evaluate(() => window.connsecApp.state.whatif);
  assert.equal(firstDiff.accepted, true, JSON.stringify(firstDiff.error));
  await shot("edge-worker-queued");

  // meanwhile the backup coordinator moves the same person elsewhere, straight to the API
  const other = await call("POST", "/v1/edits", tok("p-1005"), { base_version: base, edits: [move("u-alb-fc2")] }, { "idempotency-key": "p-1005-first" });
  assert.equal(other.status, 200, other.text);
  assert.equal(other.json.shard_version, base + 1);

  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#push-error");
  const conflict = await page.textContent("#push-error");
  assert.match(conflict, new RegExp(`^409 version_conflict: Someone changed the snapshot first; it is now version ${base + 1}\\.`));
  assert.doesNotMatch(conflict, /\(edit/, "a conflict is about the whole batch, not one edit");
  // the push answers once the snapshot is loaded again and the what-if run on it
  const after409 = await page.evaluate(() => { const s = window.connsecApp.state; return { edge: s.edge.version, doc: s.doc.version, base: s.batch.base_version }; });
  assert.deepEqual(after409, { edge: base + 1, doc: base + 1, base: base + 1 }, "the server's version, its snapshot and the batch agree");
  assert.match(await page.textContent("#status"), new RegExp(`version ${base + 1} ·`));
  assert.equal(await page.textContent("#batch-count"), "1", "the batch is kept");
  await page.waitForSelector("#diff-summary");
  // the what-if was run again on the server's new version: p-1012 now leaves u-alb-fc2, not u-alb-cpsi1
  const rebased = await page.evaluate(() => window.connsecApp.state.whatif);
  assert.doesNotMatch(JSON.stringify(firstDiff.access), /pg-alb-dep-fc2/);
  assert.match(JSON.stringify(rebased.access), /pg-alb-dep-fc2/, "the diff is the one on the new version");
  assert.match(await page.textContent("#diff"), /Foster Care 2/);
  assert.equal(await page.isEnabled("#push"), true);
  await shot("edge-worker-conflict");

  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#pushed");
  assert.match(await page.textContent("#pushed"), new RegExp(`^The server accepted the batch: version ${base + 2}\\.`));
  assert.equal(await page.evaluate(() => window.connsecApp.state.edge.version), base + 2, "the server's snapshot after the push is read");
  assert.match(await page.textContent("#status"), new RegExp(`version ${base + 2} ·`));
  await shot("edge-worker-pushed");

  const log = await call("GET", "/v1/log?since=0", tok("p-admin"));
  assert.equal(log.status, 200, log.text);
  assert.equal(log.json.version, `d0~ag-alb.${base + 2}`);
  const mine = log.json.entries.filter((e) => e.actor === "p-1003");
  assert.equal(mine.length, 1, `p-1003's edit is in the log once: ${log.text}`);
  assert.equal(mine[0].version, base + 2);
  assert.deepEqual(mine[0].edits, [move("u-alb-fc1")]);
  assert.deepEqual(log.json.entries.map((e) => e.actor), ["p-1005", "p-1003"]);
  const snap = await call("GET", "/v1/snapshot", tok("p-admin"));
  const staff = snap.json.agencies.find((a) => a.id === "ag-alb").staff.find((s) => s.person === "p-1012");
  assert.equal(staff.unit, "u-alb-fc1", "the server's snapshot has the pushed edit");
});

test("real worker: an answer lost after the server applied the batch; pushing again applies it once", async () => {
  await page.selectOption("#op-choose", "move_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "p-1012");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-cpsi1");
  await page.click("#op-add");
  await page.waitForFunction(() => window.connsecApp.state.whatif?.accepted);
  // the request reaches the worker, which applies it; the connection drops before the answer
  const keys = [];
  await page.route("**/v1/edits", async (route) => {
    keys.push(route.request().headers()["idempotency-key"]);
    const answer = await route.fetch();
    assert.equal(answer.status(), 200, await answer.text());
    await route.abort("connectionreset");
  }, { times: 1 });
  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#push-error");
  assert.match(await page.textContent("#push-error"), /no_answer: The server could not be reached, or its answer was lost: push again/);
  assert.equal(await page.textContent("#batch-count"), "1", "the batch is kept");
  await shot("edge-worker-no-answer");

  const request = page.waitForRequest("**/v1/edits");
  await page.click("#push");
  await page.click("#confirm-push-yes");
  keys.push((await request).headers()["idempotency-key"]);
  await page.waitForSelector("#pushed");
  assert.equal(keys[0], keys[1], "the same batch is pushed again under the same key");
  assert.match(await page.textContent("#pushed"), new RegExp(`^The server accepted the batch: version ${base + 3}\\.`));

  const log = await call("GET", "/v1/log?since=0", tok("p-admin"));
  assert.equal(log.json.version, `d0~ag-alb.${base + 3}`, `applied once, not twice: ${log.text}`);
  assert.deepEqual(log.json.entries.map((e) => [e.actor, e.edits[0].unit]), [["p-1005", "u-alb-fc2"], ["p-1003", "u-alb-fc1"], ["p-1003", "u-alb-cpsi1"]]);
  // the only console errors are the browser's notes of the 401 and 409 answers and the reset
  assert.deepEqual(errors.filter((e) => !/status of 40[19]|ERR_CONNECTION_RESET/.test(e)), []);
});
