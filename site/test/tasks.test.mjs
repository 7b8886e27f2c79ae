// Tasks start where the coordinator is: a worker chosen in Browse offers the coordinator's
// processes for them, a page its security tasks; each says who may make the edit, and when
// the acting person may not, says who can and offers to act as them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openExample, withExample, actAs, clearBatch } from "./browser.mjs";

let b, page;
withExample(before, after, (x) => { ({ b, page } = x); });

async function chooseWorker() {
  await page.click("#tab-browse");
  await page.click("#unit-list [data-unit='u-alb-cpsi1']");
  await page.click("#staff-list [data-person='p-1011']");
  await page.waitForSelector("#worker-tasks");
}

test("a worker chosen in Browse offers the coordinator's processes, filled in", async () => {
  await chooseWorker();
  assert.match(await page.textContent("#task-who"), /You act as Denise Okafor \(p-1003\), a coordinator of Albany County DSS/);
  const tasks = await page.$$eval("#worker-tasks button", (bs) => bs.map((x) => x.dataset.task));
  for (const op of ["move_staff", "assign_functions", "add_out_assignment", "set_unit_approver", "end_date_staff", "set_person_id", "reinstate_staff", "move_agency", "handover"]) {
    assert.ok(tasks.includes(op), `no ${op} among ${tasks}`);
  }
  await page.click("#worker-tasks [data-task=move_staff]");
  await page.waitForSelector("#op-add");
  assert.equal(await page.inputValue("#op-form [data-field=person]"), "Dana Brown (p-1011)");
  assert.equal(await page.inputValue("#op-form [data-field=agency]"), "ag-alb");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  assert.equal(await page.textContent("#batch-count"), "1");
  await clearBatch(page);
});

test("a worker who may not make the edits is told who may, and can act as them", async () => {
  await actAs(page, "Marcus Hill");
  await chooseWorker();
  assert.match(await page.textContent("#task-who"), /You act as Marcus Hill \(p-1012\), who may not make these edits\. The coordinators of Albany County DSS may: Denise Okafor \(p-1003\) \(primary\)/);
  assert.equal(await page.isDisabled("#worker-tasks [data-task=move_staff]"), true, "an edit Marcus may not make is not offered as if he could");
  await page.click("#task-who [data-act-as='p-1003']");
  assert.equal(await page.isEnabled("#worker-tasks [data-task=move_staff]"), true);
  assert.equal(await page.evaluate(() => window.connsecApp.state.batch.actor), "p-1003");
});

test("a page offers its security tasks to those with full access to its security, and names them to others", async () => {
  await page.click("#tab-browse");
  await page.fill("#page-find", "Kinship First initiative");
  await page.dispatchEvent("#page-find", "change");
  await page.waitForSelector("#page-tasks");
  assert.match(await page.textContent("#page-task-box"), /who may not make these edits\. \d+ (people have|person has) full access to its security/);
  assert.equal(await page.isDisabled("#page-tasks [data-task=set_security]"), true);
  const first = await page.getAttribute("#page-task-box [data-act-as]", "data-act-as");
  await page.click("#page-task-box [data-act-as]");
  assert.equal(await page.isEnabled("#page-tasks [data-task=set_security]"), true);
  await page.click("#page-tasks [data-task=set_default_security]");
  await page.waitForSelector("#op-add");
  assert.equal(await page.inputValue("#op-form [data-field=page]"), "Kinship First initiative (pg-alb-prj-kin)");
  assert.equal(await page.evaluate(() => window.connsecApp.state.batch.actor), first);
});

// A coordinator's task, counted: every click, typed field and choice is one action, and
// only names are typed, never an id.
function counter() {
  let n = 0;
  return {
    get n() { return n; },
    click: async (sel) => { n++; await page.click(sel); },
    type: async (sel, text) => { n++; await page.fill(sel, text); await page.dispatchEvent(sel, "change"); },
    choose: async (sel, value) => { n++; await page.selectOption(sel, value); },
  };
}

test("hiring a caseworker, with the what-if and the printed profile, takes at most 10 actions and no id", async () => {
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await openExample(page);
  await page.evaluate(() => { window.printed = ""; window.print = () => { window.printed = document.getElementById("profile-print").textContent; }; });
  const a = counter();
  await a.click("#tab-whatif");
  await a.choose("#op-choose", "hire");
  await a.type("#op-form [data-field=name]", "Nia Worker");
  await a.type("#op-form [data-field=nt_account]", "nworker");
  await a.choose("#op-form [data-field=unit]", { label: "CPS Intake 1 (u-alb-cpsi1)" });
  await a.choose("#op-form [data-field=functions]", { label: "CPS_CASEWORKER — CPS Caseworker" });
  await a.click("#op-add");
  await page.waitForSelector("#diff-summary");
  assert.match(await page.textContent("#diff-summary"), /1 person gains/);
  assert.match(await page.textContent("#queue"), /add_staff — agency: Albany County DSS, person: Nia Worker \(p-\d+\)/);
  await a.click("#apply");
  await a.click("#confirm-apply-yes");
  await page.waitForSelector("#applied");
  await a.click("#applied [data-print-profile]");
  await page.waitForFunction(() => window.printed);
  const printed = await page.evaluate(() => window.printed);
  assert.match(printed, /Your business function profile — Nia Worker/);
  assert.match(printed, /CPS Caseworker/);
  assert.ok(a.n <= 10, `hiring took ${a.n} actions`);
  console.log(`# hiring: ${a.n} actions`);
});

test("the page tree shows where each page's security comes from, flags pages that differ from their defaults, and an arrow goes to the owning page", async () => {
  await page.click("#tab-browse");
  await page.waitForSelector("#page-tree .src");
  const org = await page.textContent("#page-tree [data-page='pg-alb-org'] > .node .src");
  assert.match(org, /^own/);
  const dialog = await page.textContent("#page-tree [data-page='pg-alb-dlg-mgmt'] > .node .src");
  assert.match(dialog, /^live default “org_dialog” of Albany County DSS/);
  const item = await page.textContent("#page-tree [data-page='pg-alb-item-policy'] > .node .src");
  assert.match(item, /^follows Albany County DSS/);
  const flagged = await page.$$eval("#page-tree .src-differs", (els) => els.length);
  assert.ok(flagged >= 1, "a page that differs from its defaults is flagged");
  await page.click("#page-tree [data-page='pg-alb-dlg-mgmt'] > .node .src-arrow");
  await page.waitForFunction(() => /Albany County DSS \(pg-alb-org\)/.test(document.querySelector("#page-section h3")?.textContent || ""));
  await b.shot("tree-sources");
});

test("the access map shows a unit's staff × a department's pages as colours, and the batch's changes outlined", async () => {
  await page.click("#tab-lists");
  await page.waitForSelector("#access-map table.map");
  await page.selectOption("#map-agency", "ag-alb");
  await page.selectOption("#map-unit", "u-alb-cpsi1");
  assert.equal(await page.inputValue("#map-dept"), "pg-alb-dep-cpsi1", "the unit's own department is proposed");
  const marcus = await page.$$eval("#access-map tbody tr", (rows) => rows.find((r) => /Marcus Hill \(p-1012\)/.test(r.cells[0].textContent))?.cells[1].dataset.level);
  assert.equal(marcus, "editor", "Marcus Hill is an editor of his department page");
  // move Marcus out: after the batch he is only a reader there, and the cell is outlined
  await page.click("#tab-whatif");
  await page.selectOption("#op-choose", "move_staff");
  await page.fill("#op-form [data-field=person]", "Marcus Hill");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  await page.click("#tab-lists");
  await page.selectOption("#map-agency", "ag-alb");
  await page.selectOption("#map-unit", "u-alb-cpsi1");
  await page.selectOption("#map-when", "after");
  const cell = await page.$eval("#access-map tbody tr", (r) => r && r.cells.length);
  assert.ok(cell > 1);
  const changed = await page.$$eval("#access-map td.lv-changed", (cs) => cs.map((c) => c.title));
  assert.ok(changed.some((t) => /Marcus Hill \(p-1012\) on CPS Intake 1 \(pg-alb-dep-cpsi1\): reader \(now editor\)/.test(t)), changed.join(" | "));
  await page.$eval("#access-map", (el) => el.scrollIntoView());
  await b.shot("access-map-after");
  await page.click("#tab-whatif");
  await clearBatch(page);
});

// The everyday tasks of a coordinator of Albany County DSS, counted, typing names only.
const everyday = [
  ["transfer Dana Brown to Foster Care 1", 6, async (a) => {
    await a.click("#tab-browse"); await a.click("#unit-list [data-unit='u-alb-cpsi1']"); await a.click("#staff-list [data-person='p-1011']");
    await a.click("#worker-tasks [data-task=move_staff]"); await a.choose("#op-form [data-field=unit]", { label: "Foster Care 1 (u-alb-fc1)" }); await a.click("#op-add");
  }, /Dana Brown \(p-1011\)/],
  ["out-assign Marcus Hill to Foster Care 2 until February", 7, async (a) => {
    await a.click("#tab-browse"); await a.click("#unit-list [data-unit='u-alb-cpsi1']"); await a.click("#staff-list [data-person='p-1012']");
    await a.click("#worker-tasks [data-task=add_out_assignment]"); await a.choose("#op-form [data-field=unit]", { label: "Foster Care 2 (u-alb-fc2)" });
    await a.type("#op-form [data-field=end]", "2027-02-01"); await a.click("#op-add");
  }, /add_out_assignment — agency: Albany County DSS, person: Marcus Hill/],
  ["a worker leaves: end-date, then disable the Person ID", 7, async (a) => {
    await a.click("#tab-browse"); await a.click("#unit-list [data-unit='u-alb-cpsi1']"); await a.click("#staff-list [data-person='p-1013']");
    await a.click("#worker-tasks [data-task=end_date_staff]"); await a.click("#op-add");
    await page.click("#tab-browse"); // back where the task started: not counted, the panel is as it was
    await a.click("#worker-tasks [data-task=set_person_id]"); await a.click("#op-add");
  }, /set_person_id — person: Priya Raman \(p-1013\), status: disabled/],
  ["a worker returns: reinstate Gregory Lyons", 4, async (a) => {
    await a.click("#tab-whatif"); await a.choose("#op-choose", "reinstate_staff"); await a.type("#op-form [data-field=person]", "Gregory Lyons"); await a.click("#op-add");
  }, /reinstate_staff — agency: Albany County DSS, person: Gregory Lyons \(p-1026\)/],
  ["hand the coordinator role over to Margaret Thornton (she then removes the old one)", 5, async (a) => {
    await a.click("#tab-browse"); await a.click("#unit-list [data-unit='u-alb-adm']"); await a.click("#staff-list [data-person='p-1001']");
    await a.click("#worker-tasks [data-task=handover]"); await a.click("#op-add");
  }, /establish_coordinator — agency: Albany County DSS, person: Margaret Thornton \(p-1001\), role: primary/],
];

for (const [name, most, steps, queued] of everyday) {
  test(`everyday task: ${name}, in at most ${most} actions, names only`, async () => {
    const a = counter();
    await steps(a);
    await page.waitForSelector("#diff-summary");
    assert.match(await page.textContent("#queue"), queued);
    assert.equal(await page.$("#refusal .error"), null, "nothing was refused");
    assert.ok(a.n <= most, `${name} took ${a.n} actions`);
    console.log(`# ${name}: ${a.n} actions`);
    await clearBatch(page);
  });
}

test("everyday task: why can't Dana Brown see the staff turnover page? — in 4 actions", async () => {
  const a = counter();
  await a.click("#tab-check");
  await a.type("#check-subject", "Dana Brown");
  await a.type("#check-resource", "Staff turnover and vacancies");
  await a.click("#check-run");
  await page.waitForSelector("#verdict");
  assert.match(await page.textContent("#check-result"), /Why, for Dana Brown \(p-1011\)/);
  assert.ok(a.n <= 4);
  console.log(`# why can't she see it: ${a.n} actions`);
});

test("a denial says what would grant it, and one click puts a suggestion into the what-if batch", async () => {
  await page.click("#tab-check");
  await page.fill("#check-subject", "Marcus Hill");
  await page.fill("#check-action", "manage_security");
  await page.fill("#check-resource", "CPS Intake 1");
  await page.click("#check-run");
  await page.waitForSelector("#suggestions");
  const first = await page.textContent("#suggestions li:first-child p");
  assert.match(first, /add user:p-1012 \(full\) to the security of “CPS Intake 1”/);
  assert.match(first, /nobody else gains or loses access/);
  await page.click("#suggestions [data-suggestion='0']");
  await page.click("#tab-whatif");
  await page.waitForSelector("#diff-summary");
  assert.equal(await page.textContent("#batch-count"), "1");
  assert.match(await page.textContent("#diff-summary"), /1 person gains full on 1 page/);
  await b.shot("suggestion-queued");
  await clearBatch(page);
});

test("a refused edit names who could make it, and one click makes it as them", async () => {
  await actAs(page, "Denise Okafor");
  await page.selectOption("#op-choose", "set_security");
  await page.fill("#op-form [data-field=page]", "Kinship First initiative");
  await page.dispatchEvent("#op-form [data-field=page]", "change");
  await page.waitForSelector("#op-form .entries tbody tr");
  await page.click("#op-add");
  assert.match(await page.textContent("#refusal"), /Refused, not queued — not_authorized: .* may make this edit/);
  const who = await page.getAttribute("#could-make [data-act-as]", "data-act-as");
  await page.click("#could-make [data-act-as]");
  await page.waitForSelector("#diff-summary, #queue li code");
  assert.equal(await page.textContent("#batch-count"), "1", "queued as the person who could");
  assert.equal(await page.evaluate(() => window.connsecApp.state.batch.actor), who);
  await clearBatch(page);
  await actAs(page, "Denise Okafor");
});
