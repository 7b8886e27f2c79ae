// The workbench in headless Chromium, as a coordinator uses it on the bundled example:
// open, browse, check with reasons, queue edits and read the diff, undo, apply, scenarios,
// share links, the report download, the keyboard, and working offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open, openExample, artifacts } from "./browser.mjs";

let b, page;
before(async () => {
  b = await open();
  page = b.page;
});
after(async () => { await b?.close(); });

const pageErrors = () => b.unexpectedErrors();

async function downloadText(click) {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), "utf8") };
}

async function queue(op, fill) {
  await page.click("#tab-whatif");
  await page.selectOption("#op-choose", op);
  await fill();
  await page.click("#op-add");
}

test("opens the bundled example and browses agencies, staff and the page tree", async () => {
  await openExample(page);
  assert.match(await page.textContent("#status"), /version 0 · as of 2026-11-22 · 2 agencies/);
  await page.click("#tab-browse");
  await page.click("#unit-list [data-unit=u-alb-cpsi1]");
  await page.click("#staff-list [data-person=p-1011]");
  const profile = await page.textContent("#browse-profile");
  assert.match(profile, /Business function profile: Dana Brown \(p-1011\)/);
  assert.match(profile, /Viewing rights/);
  // an item on the organization page follows the page it is on
  await page.click("#page-tree [data-page=pg-alb-item-policy] .title");
  const section = await page.textContent("#page-section");
  assert.match(section, /Effective section: the security of Albany County DSS \(pg-alb-org\)/);
  assert.match(await page.textContent("#section-from"), /is an item, so it follows the page it is on/);
  await b.shot("browse-section");
  assert.deepEqual(pageErrors(), []);
});

test("a refused snapshot lists its problems with their paths and leaves the open one", async () => {
  const doc = JSON.parse(await readFile(new URL("../examples/example/snapshot.json", import.meta.url), "utf8"));
  doc.agencies[0].staff[3].unit = "u-nowhere";
  doc.agencies[1].pages[0].kind = "castle";
  await page.click("#tab-open");
  await page.setInputFiles("#file", { name: "broken.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
  await page.waitForSelector("#open-error:not([hidden])");
  const text = await page.textContent("#open-error");
  assert.match(text, /^broken.json was not opened: 2 problems/);
  assert.match(text, /agencies\[0\]\.staff\[3\]\.unit: .*\(unknown_reference\)/);
  assert.match(text, /agencies\[1\]\.pages\[0\]\.kind: "castle" is not a page kind \(invalid_value\)/);
  // the organization page with a misspelled kind is not reported a second time as missing
  assert.doesNotMatch(text, /has no organization page/);
  assert.match(await page.textContent("#status"), /^Example: Albany County DSS/, "the example stays open");
  await b.shot("open-refused");
});

test("the checker says why: the deny that won, in plain words", async () => {
  await page.click("#tab-check");
  await page.fill("#check-subject", "p-1064");
  await page.fill("#check-action", "read");
  await page.fill("#check-resource", "page:pg-alb-met-turnover");
  await page.click("#check-run");
  assert.equal((await page.textContent("#verdict")).trim(), "Not allowed — level denied");
  const reasons = await page.$$eval("#reasons li", (lis) => lis.map((li) => [li.dataset.kind, li.textContent]));
  const deny = reasons.find(([k]) => k === "entry" && /group:g-alb-contract \(denied\)/.test(reasons.map((r) => r[1]).join()));
  assert.ok(deny, `no denied entry among the reasons: ${JSON.stringify(reasons)}`);
  assert.ok(reasons.some(([k]) => k === "deny"), "the overriding deny is not named");
  assert.ok(reasons.some(([k]) => k === "section"), "the section is not named");
  await page.click("#check-keep");
  await b.shot("check-deny");
});

test("a queued edit shows its diff at once; a refused one its reason; undo takes it back", async () => {
  await queue("move_staff", async () => {
    await page.selectOption("#op-form [data-field=agency]", "ag-alb");
    await page.fill("#op-form [data-field=person]", "p-1011");
    await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  });
  await page.waitForSelector("#diff-summary");
  assert.match(await page.textContent("#diff-summary"), /gains|loses/);
  const rows = await page.$$eval("#diff-access [role=row][aria-rowindex]", (r) => r.map((x) => x.textContent));
  assert.ok(rows.some((r) => r.includes("p-1011") && r.includes("pg-alb-dep-fc1")), `no row for p-1011 on the Foster Care 1 page: ${rows.slice(0, 5)}`);
  assert.equal(await page.textContent("#batch-count"), "1");
  await b.shot("whatif-diff");

  // the same person, acting without the right: refused, with the reason, and not queued
  await page.fill("#actor", "p-1011");
  await page.dispatchEvent("#actor", "change");
  assert.match(await page.textContent("#batch-refused"), /not_authorized: p-1011 is not a coordinator of ag-alb/);
  await page.fill("#actor", "p-1003");
  await page.dispatchEvent("#actor", "change");
  await page.waitForSelector("#diff-summary");

  await page.click("[data-undo='0']");
  assert.equal(await page.textContent("#queue"), "No edits queued.");
  assert.equal(await page.$("#diff-summary"), null);
});

test("the security-entry editor: a denied entry shows as losses", async () => {
  // the coordinator may not manage this metric's security; an administrator may
  await page.fill("#actor", "p-admin");
  await page.dispatchEvent("#actor", "change");
  await queue("set_security", async () => {
    await page.fill("#op-form [data-field=page]", "pg-alb-met-timely");
    await page.dispatchEvent("#op-form [data-field=page]", "change");
    await page.click("text=Add an entry");
    const last = page.locator("#op-form .entries tbody tr").last();
    await last.locator("input[aria-label=Principal]").fill("unit:u-alb-cpsi1");
    await last.locator("select").selectOption("denied");
  });
  await page.waitForSelector("#diff-summary");
  assert.match(await page.textContent("#diff-summary"), /lose reader/);
  const losses = await page.$$eval("#diff-access [role=row][aria-rowindex] .loss", (r) => r.length);
  assert.ok(losses >= 5, `only ${losses} losses shown`);
  await b.shot("whatif-security-editor");
  await page.click("[data-undo='0']");
  await page.fill("#actor", "p-1003");
  await page.dispatchEvent("#actor", "change");
});

test("a refused edit is not queued and says why", async () => {
  await queue("delete_unit", async () => {
    await page.selectOption("#op-form [data-field=agency]", "ag-alb");
    await page.selectOption("#op-form [data-field=unit]", "u-alb-cpsi1");
  });
  assert.match(await page.textContent("#refusal"), /Refused, not queued — unit_not_empty/);
  assert.equal(await page.textContent("#queue"), "No edits queued.");
});

test("apply to the local snapshot and download the new one", async () => {
  await queue("assign_functions", async () => {
    await page.selectOption("#op-form [data-field=agency]", "ag-alb");
    await page.fill("#op-form [data-field=person]", "p-1011");
    await page.selectOption("#op-form [data-field=functions]", ["QRTP_ASSESSMENT"]);
  });
  await page.waitForSelector("#diff-notifications");
  assert.match(await page.textContent("#diff-notifications"), /Dana Brown \(p-1011\) is to be shown their new profile \(added function QRTP_ASSESSMENT/);
  assert.match(await page.textContent("#diff-lint"), /resolved: build_functions_unassigned/);
  await page.click("#apply");
  await page.click("#confirm-apply-yes");
  await page.waitForSelector("#applied");
  assert.match(await page.textContent("#status"), /version 1 ·/);
  const { name, text } = await downloadText(() => page.click("#download-applied"));
  assert.equal(name, "snapshot-v1.json");
  const snap = JSON.parse(text);
  assert.equal(snap.version, 1);
  const rec = snap.agencies[0].staff.find((s) => s.person === "p-1011");
  assert.ok(rec.functions.includes("QRTP_ASSESSMENT"));
});

test("lint, the staff security report as CSV, and the profile to print", async () => {
  await page.click("#tab-reports");
  await page.waitForSelector("#lint-table [role=row][aria-rowindex]");
  const lint = await page.textContent("#lint-table");
  assert.match(lint, /approver_not_active/);
  const { name, text } = await downloadText(() => page.click("#report-csv"));
  assert.equal(name, "staff-security-ag-alb-2026-11-22.csv");
  assert.match(text.split("\n")[0], /^unit,unit_name,person,name,nt_account,unit_approver,functions/);
  assert.match(text, /p-1011,Dana Brown,.*QRTP_ASSESSMENT/);
  await page.fill("#profile-person", "p-1011");
  await page.click("#profile-show");
  assert.match(await page.textContent("#profile-print"), /Your business function profile — Dana Brown/);
  await b.shot("reports");
  // printed, only the profile shows
  await page.emulateMedia({ media: "print" });
  await page.$eval("#profile-print", (el) => el.classList.add("printing"));
  assert.equal(await page.$eval("#lint-table", (el) => getComputedStyle(el).visibility), "hidden");
  assert.equal(await page.$eval("#profile-print h3", (el) => getComputedStyle(el).visibility), "visible");
  await page.evaluate(() => window.scrollTo(0, 0));
  await b.shot("profile-printed");
  await page.$eval("#profile-print", (el) => el.classList.remove("printing"));
  await page.emulateMedia({ media: "screen" });
});

test("a bundled scenario runs with pass or fail for every expectation", async () => {
  await page.click("#tab-open");
  await page.click("#examples button[data-file='examples/scenarios/story-onboarding.json']");
  await page.waitForFunction(() => /onboarding/.test(document.getElementById("scenario-title")?.textContent ?? ""));
  await page.waitForSelector("#scenario-result");
  const verdict = await page.textContent("#scenario-result");
  const [, passed, failed] = verdict.match(/(\d+) passed, (\d+) failed/).map(Number);
  assert.equal(failed, 0);
  const marks = await page.$$eval("#expectations [data-result]", (li) => li.map((x) => x.dataset.result));
  assert.equal(marks.length, passed, "every expectation is listed once");
  assert.ok(marks.every((m) => m === "pass"));
  await b.shot("scenario-run");
});

test("a failing expectation is marked, with the evaluator's words", async () => {
  const doc = JSON.parse(await readFile(new URL("../examples/scenarios/story-onboarding.json", import.meta.url), "utf8"));
  doc.snapshot = JSON.parse(await readFile(new URL("../examples/example/snapshot.json", import.meta.url), "utf8"));
  delete doc.snapshot_file;
  doc.steps[0].checks[0].allowed = !doc.steps[0].checks[0].allowed; // a wrong expectation
  await page.click("#tab-scenarios");
  await page.setInputFiles("#scenario-file", { name: "wrong.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
  await page.waitForFunction(() => /1 failed/.test(document.getElementById("scenario-result")?.textContent ?? ""));
  const marks = await page.$$eval("#expectations [data-result]", (li) => li.map((x) => [x.dataset.result, x.textContent]));
  const failed = marks.filter(([r]) => r === "fail");
  assert.equal(failed.length, 1);
  assert.equal(marks.indexOf(failed[0]), 1, "the first check of the first step (after its outcome) is the one marked");
  assert.match(failed[0][1], /expected (allowed|not allowed), got/);
});

test("save the batch and kept checks as a scenario, open it again, and share it as a link", async () => {
  await openExample(page);
  await page.click("#tab-check");
  await page.fill("#check-subject", "p-1011");
  await page.fill("#check-resource", "page:pg-alb-dep-fc1");
  await page.click("#check-run");
  await page.click("#check-keep");
  await queue("move_staff", async () => {
    await page.selectOption("#op-form [data-field=agency]", "ag-alb");
    await page.fill("#op-form [data-field=person]", "p-1011");
    await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  });
  await page.click("#tab-scenarios");
  await page.fill("#save-title", "Dana moves to Foster Care 1");
  const { name, text } = await downloadText(() => page.click("#save-scenario"));
  assert.equal(name, "dana-moves-to-foster-care-1.json");
  const doc = JSON.parse(text);
  assert.equal(doc.format, "connsec.scenario/v1");
  assert.equal(doc.snapshot.version, 0);
  assert.equal(doc.steps[0].checks.length, 1, "the kept check comes first, as it was answered before the batch");
  assert.equal(doc.steps[0].checks[0].subject, "p-1011");
  assert.deepEqual(doc.steps[1].edits, [{ op: "move_staff", agency: "ag-alb", person: "p-1011", unit: "u-alb-fc1" }]);
  assert.equal(doc.steps[1].actor, "p-1003");

  // the share link names the bundled example and carries the rest in its fragment
  await page.click("#share-scenario");
  const link = await page.inputValue("#share-link");
  assert.match(link, /#scenario=[\w-]+$/);
  assert.ok(link.length < 2000, `the link is ${link.length} characters`);
  const other = await b.context.newPage();
  await other.goto(link);
  await other.waitForSelector("#scenario-result");
  assert.match(await other.textContent("#scenario-result"), /^2 passed, 0 failed/);
  assert.equal(await other.textContent("#batch-count"), "1", "the shared batch is queued in the what-if");
  await other.screenshot({ path: `${artifacts}/shared-link.png` });
  await other.close();

  // the saved file opens and runs: the outcome and the kept check both pass
  await page.setInputFiles("#scenario-file", { name, mimeType: "application/json", buffer: Buffer.from(text) });
  await page.waitForFunction(() => document.getElementById("scenario-title")?.textContent === "Dana moves to Foster Care 1");
  assert.match(await page.textContent("#scenario-result"), /^2 passed, 0 failed/);
});

test("keyboard: the tabs move with the arrow keys and every panel is reachable", async () => {
  await page.focus("#tab-open");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getAttribute("#tab-browse", "aria-selected"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-browse");
  await page.keyboard.press("End");
  assert.equal(await page.getAttribute("#tab-help", "aria-selected"), "true");
  // Tab goes from field to field of the checker, Enter runs it
  await page.click("#tab-check");
  await page.focus("#check-subject");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "check-action");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "check-resource");
  await page.evaluate(() => document.getElementById("check-result").replaceChildren());
  await page.keyboard.press("Enter");
  await page.waitForSelector("#verdict");
  // focus is visible: the focused control has an outline
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
});

test("works offline once visited (service worker)", async () => {
  await b.offline(async () => {
    await openExample(page);
    assert.match(await page.textContent("#status"), /version 0/);
  });
  assert.deepEqual(pageErrors(), []);
});
