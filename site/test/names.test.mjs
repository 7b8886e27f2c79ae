// Names everywhere: person, page, unit and principal fields take a name, an NT login or an
// id, say in words when what was typed names nothing or more than one, and show
// "Marcus Hill (p-1012)"; a hire is proposed the next free Person ID and warned of a name or
// NT login that someone has already, and appears by name in the diff.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openExample, artifacts, withExample, actAs, clearBatch } from "./browser.mjs";

let b, page;
withExample(before, after, (x) => { ({ b, page } = x); });

test("the checker takes a person's name or NT login and a page title", async () => {
  await page.click("#tab-check");
  await page.fill("#check-subject", "Marcus Hill");
  await page.fill("#check-action", "read");
  await page.fill("#check-resource", "Albany County DSS");
  await page.click("#check-run");
  await page.waitForSelector("#verdict");
  assert.match(await page.textContent("#check-result"), /Why, for Marcus Hill \(p-1012\)/);
  // for a page action a bare title is a page (the agency of the same name is not meant)
  assert.match(await page.textContent("#reasons"), /Organization page “Albany County DSS” \(pg-alb-org\)/);
  // for a capability, the same words are the agency
  await page.fill("#check-action", "case.view");
  await page.click("#check-run");
  await page.waitForSelector("#verdict");
  assert.match(await page.textContent("#reasons"), /Albany County DSS \(ag-alb\)/);
  await page.fill("#check-action", "read");

  await page.fill("#check-subject", "mhill");
  await page.fill("#check-resource", "page:Kinship First initiative");
  await page.click("#check-run");
  await page.waitForSelector("#verdict");
  assert.match(await page.textContent("#check-result"), /Why, for Marcus Hill \(p-1012\)/);

  await page.fill("#check-subject", "Marcus Hil");
  await page.click("#check-run");
  assert.match(await page.textContent("#check-name-error"), /Person: no person in this snapshot is called “Marcus Hil”/);
});

test("the type-ahead offers names with their ids", async () => {
  await page.click("#tab-check");
  await page.fill("#check-subject", "");
  await page.type("#check-subject", "marc");
  const options = await page.$$eval("#people-list option", (o) => o.map((x) => x.value));
  assert.ok(options.includes("Marcus Hill (p-1012)"), options.join(" | "));
});

test("a hire: the next free Person ID is proposed, a taken NT login is warned of, and the diff names the new worker", async () => {
  await page.click("#tab-whatif");
  await page.selectOption("#op-choose", "add_staff");
  const proposed = await page.inputValue("#op-form [data-field=person]");
  assert.match(proposed, /^p-\d+$/);
  const taken = await page.evaluate((id) => window.connsecApp.state.index.people.has(id), proposed);
  assert.equal(taken, false, `${proposed} is free`);
  await page.fill("#op-form [data-field=name]", "Nia Worker");
  await page.fill("#op-form [data-field=nt_account]", "mhill");
  assert.match(await page.textContent("#hire-warning"), /the NT login “mhill” belongs to Marcus Hill \(p-1012\)/);
  await page.fill("#op-form [data-field=nt_account]", "nworker");
  assert.equal((await page.textContent("#hire-warning")).trim(), "");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  assert.match(await page.textContent("#queue"), new RegExp(`person: Nia Worker \\(${proposed}\\)`));
  // the new hire is offered by name in the next form, and moved by name
  await page.selectOption("#op-choose", "move_staff");
  await page.selectOption("#op-form [data-field=agency]", "ag-alb");
  await page.fill("#op-form [data-field=person]", "Nia Worker");
  await page.selectOption("#op-form [data-field=unit]", "u-alb-cpsi1");
  await page.click("#op-add");
  await page.waitForFunction(() => document.querySelectorAll("#queue li").length === 2);
  assert.match(await page.textContent("#queue"), /move_staff — agency: Albany County DSS, person: Nia Worker/);
  const names = await page.$$eval("#diff-access .vt-row", (rows) => rows.map((r) => r.children[2].textContent));
  assert.ok(names.includes("Nia Worker"), "the diff names the new hire");
  await b.shot("names-hire");
  await clearBatch(page);
});

test("security entries take names: a person becomes user:; the acting person is named too", async () => {
  await actAs(page, "Renee Castillo");
  await page.waitForFunction(() => window.connsecApp.state.batch.actor === "p-admin");
  await page.selectOption("#op-choose", "set_security");
  await page.fill("#op-form [data-field=page]", "Kinship First initiative");
  await page.dispatchEvent("#op-form [data-field=page]", "change");
  await page.waitForSelector("#op-form .entries tbody tr");
  await page.click("#op-form button:has-text('Add an entry')");
  const last = "#op-form .entries tbody tr:last-child";
  await page.fill(`${last} input[aria-label=Principal]`, "Marcus Hill");
  await page.selectOption(`${last} select`, "editor");
  await page.click("#op-add");
  await page.waitForSelector("#diff-summary");
  const edits = await page.evaluate(() => window.connsecApp.state.batch.edits);
  assert.ok(edits[0].entries.some((e) => e.principal === "user:p-1012" && e.role === "editor"), JSON.stringify(edits[0].entries));
  assert.match(await page.textContent("#queue"), /Marcus Hill \(user:p-1012\) editor/);
  await clearBatch(page);
  await actAs(page, "Denise Okafor");
});

test("who and what take names", async () => {
  await page.click("#tab-lists");
  await page.fill("#what-person", "Dana Brown");
  await page.fill("#what-action", "read");
  await page.click("#what-run");
  await page.waitForFunction(() => /Pages Dana Brown \(p-1011\) may read/.test(document.getElementById("list-title").textContent));
  await page.fill("#who-resource", "Kinship First initiative");
  await page.click("#who-run");
  await page.waitForFunction(() => /Who may read on Kinship First initiative \(page:pg-alb-prj-kin\)/.test(document.getElementById("list-title").textContent));
});
