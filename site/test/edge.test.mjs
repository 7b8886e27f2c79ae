// Edge mode against a small fake of the edge worker's routes: the configuration probe, the
// snapshot with its ETag, and edits that answer 409 once (someone else pushed first), then
// 200. The real worker's tests are elsewhere; this one holds the workbench to the contract.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { open, siteDir } from "./browser.mjs";

const example = JSON.parse(await readFile(path.join(siteDir, "examples/example/snapshot.json"), "utf8"));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const token = `${b64({ alg: "none" })}.${b64({ sub: "p-1003" })}.sig`;

// the fake server's state: Albany's version, and every push it saw; its consistency token
// names that version as the edge's does
const server = { version: 0, pushes: [], conflictOnce: true };
const tokenOf = (v) => (v ? `d0~ag-alb.${v}` : "d0");

function json(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function edge(req, res, body) {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/.well-known/authzen-configuration") {
    json(res, 200, { policy_decision_point: "http://x", access_evaluation_endpoint: "http://x/access/v1/evaluation" });
    return true;
  }
  if (!url.pathname.startsWith("/v1/")) return false;
  if (req.headers.authorization !== `Bearer ${token}`) {
    json(res, 401, { error: { code: "unauthenticated", message: "no valid token" } });
    return true;
  }
  if (url.pathname === "/v1/snapshot") {
    json(res, 200, { ...example, version: server.version }, { ETag: `"${tokenOf(server.version)}"` });
    return true;
  }
  if (url.pathname === "/v1/edits" && req.method === "POST") {
    const batch = JSON.parse(body);
    server.pushes.push({ batch, key: req.headers["idempotency-key"] });
    if (server.conflictOnce) {
      server.conflictOnce = false;
      server.version = 1; // someone else's batch went first
      json(res, 409, { error: { code: "version_conflict", message: "the snapshot is at version 1" }, version: tokenOf(1), shard: "agency:ag-alb", shard_version: 1 });
      return true;
    }
    if (server.refuse) {
      json(res, server.refuse.status, { error: server.refuse.error });
      server.refuse = null;
      return true;
    }
    if (batch.base_version !== tokenOf(server.version)) {
      json(res, 409, { error: { code: "version_conflict", message: "stale" }, version: tokenOf(server.version), shard: "agency:ag-alb", shard_version: server.version });
      return true;
    }
    server.version++;
    json(res, 200, { version: tokenOf(server.version), shard: "agency:ag-alb", shard_version: server.version, summary: "1 person gains editor on 1 page", notifications: [] });
    return true;
  }
  return false;
}

let b, page;
before(async () => {
  b = await open({ edge });
  page = b.page;
});
after(async () => { await b?.close(); });

test("edge mode: sign in, load the server's snapshot, push; a conflict reloads and re-runs the what-if", async () => {
  await page.waitForSelector("#edge-token");
  await b.shot("edge-sign-in");
  await page.fill("#edge-token", token);
  await page.press("#edge-token", "Enter");
  await page.waitForFunction(() => window.connsecApp.state.edge?.version === 0);
  assert.match(await page.textContent("#edge"), /Signed in as p-1003/);
  assert.match(await page.textContent("#status"), /the server's snapshot · version 0/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("connsec.token")), token);

  await page.click("#tab-whatif");
  assert.equal(await page.inputValue("#actor"), "Denise Okafor (p-1003)", "the token's subject acts");
  await page.selectOption("#op-choose", "move_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "p-1011");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");

  // in edge mode the primary action is the push, naming the agency and the server's version;
  // a local apply is the secondary one, and says it changes only a local copy
  assert.equal(await page.getAttribute("#push", "class"), "primary");
  assert.match(await page.textContent("#push"), /^Push to the server \(Albany County DSS, version 0\)$/);
  assert.match(await page.textContent("#apply"), /local copy only/);
  // the first push meets a conflict: the snapshot is fetched again, the batch kept, rebased
  await page.click("#push");
  assert.match(await page.textContent("#confirm-push"), /Albany County DSS will change on the server, which is at version 0/);
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#push-error");
  assert.match(await page.textContent("#push-error"), /409 version_conflict: Someone changed the snapshot first; it is now version 1/);
  assert.match(await page.textContent("#status"), /version 1 ·/);
  assert.equal(await page.textContent("#batch-count"), "1", "the batch is kept");
  await page.waitForSelector("#diff-summary");
  await b.shot("edge-conflict");

  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#pushed");
  assert.match(await page.textContent("#pushed"), /The server accepted the batch: version 2/);
  assert.match(await page.textContent("#status"), /version 2 ·/);

  assert.equal(server.pushes.length, 2);
  const [first, second] = server.pushes;
  assert.equal(first.batch.base_version, "d0", "the batch is pushed on the token of the snapshot it was made on");
  assert.equal(second.batch.base_version, "d0~ag-alb.1");
  assert.equal(second.batch.actor, "p-1003");
  assert.deepEqual(second.batch.edits, [{ op: "move_staff", agency: "ag-alb", person: "p-1011", unit: "u-alb-fc1" }]);
  assert.match(first.key, /^[0-9a-f-]{36}$/);
  assert.notEqual(first.key, second.key, "each push has its own idempotency key");
  assert.deepEqual(b.errors.filter((e) => !/status of 4(09|03|22|01)/.test(e)), []);
});

test("edge mode: signed in already, a reload loads the server's snapshot; 403 and 422 say why", async () => {
  await page.reload();
  await page.waitForFunction(() => window.connsecApp?.state.edge?.version === 2);
  assert.match(await page.textContent("#status"), /the server's snapshot · version 2/);
  await page.click("#tab-whatif");
  await page.selectOption("#op-choose", "end_date_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "p-1011");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  server.refuse = { status: 403, error: { code: "not_authorized", message: "p-1003 may not act for ag-alb here" } };
  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForSelector("#push-error");
  assert.match(await page.textContent("#push-error"), /^403 not_authorized: p-1003 may not act for ag-alb here/);
  server.refuse = { status: 422, error: { code: "last_coordinator", index: 0, path: "edits[0]", message: "no primary would remain" } };
  await page.click("#push");
  await page.click("#confirm-push-yes");
  await page.waitForFunction(() => /^422/.test(document.getElementById("push-error")?.textContent));
  assert.match(await page.textContent("#push-error"), /^422 last_coordinator: no primary would remain \(edit 1, edits\[0\]\)/);
  assert.equal(server.version, 2, "nothing was applied");
  assert.equal(await page.textContent("#batch-count"), "1", "the batch is kept to fix");
});

test("edge mode: a token the server refuses signs out with the reason", async () => {
  await page.evaluate(() => sessionStorage.setItem("connsec.token", "not-a-token"));
  await page.click("#edge button:text('Reload from server')");
  await page.waitForSelector("#edge-token");
  assert.match(await page.textContent("#edge"), /The server did not accept the token: no valid token/);
});
