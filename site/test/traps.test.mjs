// No traps: the workbench asks before what cannot easily be taken back, lets an apply be
// undone, never shows an empty scenario as passing, shares the scenario that is open, lets a
// trainer add, change and remove expectations, keeps the keyboard where the person put it,
// and stays usable on a narrow screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openExample, artifacts, withExample, actAs, clearBatch } from "./browser.mjs";

let b, page;
withExample(before, after, (x) => { ({ b, page } = x); });

const pageErrors = () => b.errors.filter((e) => !/status of 404|ERR_INTERNET_DISCONNECTED/.test(e));

async function queueMove() {
  await page.click("#tab-whatif");
  await page.selectOption("#op-choose", "move_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "p-1011");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
}

test("arrow keys move through the process list without opening a form; Enter opens it", async () => {
  await page.click("#tab-whatif");
  await page.focus("#op-choose");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.$eval("#op-form", (f) => f.children.length), 0, "no form opened on the arrows");
  assert.equal(await page.evaluate(() => document.activeElement.id), "op-choose", "the focus stayed on the list");
  const chosen = await page.inputValue("#op-choose");
  assert.ok(chosen, "the arrows chose a process");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#op-add");
  assert.ok(await page.$eval("#op-form", (f) => f.contains(document.activeElement)), "Enter opened the form and put the focus in it");
});

test("apply and clear ask first; an apply can be undone", async () => {
  await queueMove();
  await page.click("#apply");
  assert.match(await page.textContent("#confirm-apply"), /Apply 1 edit to the local snapshot\? It becomes version 1/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "confirm-apply-yes", "the question has the focus");
  await page.keyboard.press("Escape");
  assert.equal(await page.$("#confirm-apply"), null, "Escape takes the question away");
  assert.match(await page.textContent("#status"), /version 0 ·/, "nothing was applied");

  await page.click("#apply");
  await page.click("#confirm-apply-yes");
  await page.waitForSelector("#applied");
  assert.match(await page.textContent("#status"), /version 1 ·/);
  await page.click("#undo-apply");
  await page.waitForSelector("#apply-undone");
  assert.match(await page.textContent("#status"), /version 0 ·/, "back on the snapshot as it was");
  assert.equal(await page.textContent("#batch-count"), "1", "the batch is queued again");

  await page.click("#clear-batch");
  await page.click("#confirm-clear-no");
  assert.equal(await page.textContent("#batch-count"), "1", "Cancel keeps the batch");
  await clearBatch(page);
  assert.equal(await page.isHidden("#batch-count"), true, "the batch is empty");
});

test("an empty scenario is never shown as passing, and there is nothing to save or share", async () => {
  await page.click("#tab-scenarios");
  assert.equal(await page.isDisabled("#save-scenario"), true);
  assert.equal(await page.isDisabled("#share-scenario"), true);
  assert.match(await page.textContent("#save-empty"), /Nothing to save yet/);
  const empty = { format: "connsec.scenario/v1", title: "Nothing yet", snapshot_file: "../example/snapshot.json", steps: [] };
  await page.setInputFiles("#scenario-file", { name: "empty.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(empty)) });
  await page.waitForSelector("#scenario-result");
  const verdict = await page.textContent("#scenario-result");
  assert.match(verdict, /checks nothing yet/);
  assert.equal(await page.getAttribute("#scenario-result", "class"), "verdict no", "not green");
});

test("a trainer adds, changes and removes expectations of the open scenario, and shares it", async () => {
  await page.click("#tab-open");
  await page.click("#examples button[data-file='examples/scenarios/story-transfer.json']");
  await page.waitForFunction(() => /transfer/i.test(document.getElementById("scenario-title")?.textContent || "") && document.getElementById("scenario-result"));
  const count = async () => Number(/^(\d+) passed/.exec(await page.textContent("#scenario-result"))[1]);
  const first = await count();

  // remove the first check: one expectation fewer
  await page.click("#expectations [data-remove^='steps['][data-remove*='.checks[']");
  await page.waitForFunction((n) => new RegExp(`^${n} passed`).test(document.getElementById("scenario-result").textContent), first - 1);

  // add a check
  await page.fill("#add-check-subject", "p-1011");
  await page.fill("#add-check-action", "read");
  await page.fill("#add-check-resource", "page:pg-alb-org");
  await page.selectOption("#add-check-expect", "allowed");
  await page.click("#add-check-save");
  await page.waitForFunction((n) => new RegExp(`^${n} passed, 0 failed`).test(document.getElementById("scenario-result").textContent), first);

  // change it to expect the opposite: it fails, and says so
  const added = await page.$$eval("#expectations [data-edit]", (els) => els.at(-1).dataset.edit);
  await page.click(`#expectations [data-edit='${added}']`);
  await page.selectOption("#add-check-expect", "denied");
  await page.click("#add-check-save");
  await page.waitForFunction(() => /1 failed/.test(document.getElementById("scenario-result").textContent));
  assert.match(await page.textContent("#download-open"), /Download the changed scenario file/);

  // the share link carries the open scenario, changes included
  await page.click("#share-open");
  const link = await page.inputValue("#share-open-link");
  const other = await b.context.newPage();
  await other.goto(link);
  await other.waitForSelector("#scenario-result");
  assert.equal(await other.textContent("#scenario-title"), await page.textContent("#scenario-title"));
  assert.equal(await other.textContent("#scenario-result"), await page.textContent("#scenario-result"));
  await other.close();
});

test("table rows keep the focus as they scroll, and arrows move between them", async () => {
  await page.click("#tab-lists");
  await page.fill("#who-action", "read");
  await page.fill("#who-resource", "page:pg-alb-org");
  await page.click("#who-run");
  await page.waitForSelector("#list-table .vt-row");
  await page.focus("#list-table .vt-row[data-i='0']");
  for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.i), "20", "the focus moved twenty rows down and stayed on a row");
});

test("at 800 px and on a phone the tables scroll sideways instead of squeezing their columns", async () => {
  for (const width of [800, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.click("#tab-reports");
    await page.waitForSelector("#report-table .vt-row");
    const narrowest = await page.$$eval("#report-table .vt-head [role=columnheader]", (els) => Math.min(...els.map((e) => e.getBoundingClientRect().width)));
    assert.ok(narrowest >= 80, `the narrowest report column is ${narrowest} px at ${width} px`);
    await page.screenshot({ path: `${artifacts}/report-${width}px.png` });
    await page.click("#tab-whatif");
    await page.screenshot({ path: `${artifacts}/whatif-${width}px.png` });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  assert.deepEqual(pageErrors(), []);
});

test("a printed profile names each right in words before its capability code", async () => {
  await page.click("#tab-reports");
  await page.fill("#profile-person", "p-1011");
  await page.click("#profile-show");
  const first = await page.textContent("#profile-print section li:has(> strong + .hint), #profile-print ul li:has(span.mono)");
  assert.match(first, /^Unit Case View — unit CPS Intake 1 \(u-alb-cpsi1\).*\(case\.view, unit scope\)$/);
});

test("the diff is grouped by edit: each edit's own gains and losses", async () => {
  await page.click("#tab-whatif");
  const move = async (who, unit) => {
    await page.selectOption("#op-choose", "move_staff");
    await page.selectOption("#op-form [data-field=agency]", "ag-alb");
    await page.fill("#op-form [data-field=person]", who);
    await page.selectOption("#op-form [data-field=unit]", unit);
    await page.click("#op-add");
  };
  await move("Dana Brown", "u-alb-fc1");
  await move("Marcus Hill", "u-alb-fc2");
  await page.waitForSelector("#diff-by-edit");
  const items = await page.$$eval("#diff-by-edit li", (lis) => lis.map((l) => l.textContent));
  assert.equal(items.length, 2);
  assert.match(items[0], /person: Dana Brown \(p-1011\).*: [1-9]\d* gains? · [1-9]\d* loss/);
  assert.match(items[1], /person: Marcus Hill \(p-1012\).*: [1-9]\d* gains? · [1-9]\d* loss/);
  await clearBatch(page);
});
