// Accessibility: axe-core (pinned in package.json) over every tab of the workbench, on the
// bundled example, in real Chromium. No serious or critical violation may stand.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { open, openExample } from "./browser.mjs";

const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let b, page;
before(async () => {
  b = await open();
  page = b.page;
  await openExample(page);
  await page.addScriptTag({ content: axeSource });
});
after(async () => { await b?.close(); });

async function serious() {
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

const tabs = ["open", "browse", "check", "lists", "whatif", "reports", "scenarios", "help"];
for (const tab of tabs) {
  test(`no serious or critical accessibility violation on the ${tab} tab`, async () => {
    if (!(await page.$(`#tab-${tab}`))) return assert.fail(`there is no ${tab} tab`);
    await page.click(`#tab-${tab}`);
    if (tab === "browse") {
      await page.click("#unit-list [data-unit='u-alb-cpsi1']");
      await page.click("#staff-list [data-person='p-1011']");
    }
    if (tab === "whatif") {
      await page.selectOption("#op-choose", "move_staff");
      await page.fill("#op-form [data-field=person]", "Dana Brown");
      await page.selectOption("#op-form [data-field=unit]", "u-alb-fc1");
      await page.click("#op-add");
      await page.waitForSelector("#diff-summary");
    }
    if (tab === "reports") await page.waitForSelector("#lint-table .vt-row");
    if (tab === "help") await page.waitForSelector(".help-doc h2");
    const found = await serious();
    assert.deepEqual(found, [], JSON.stringify(found, null, 1));
  });
}

test("the check can fail: an image without a text alternative is found", async () => {
  await page.evaluate(() => { const i = document.createElement("img"); i.id = "axe-probe"; i.src = "data:,"; document.querySelector("main").append(i); });
  const found = await serious();
  await page.evaluate(() => document.getElementById("axe-probe").remove());
  assert.ok(found.some((v) => v.id === "image-alt"), JSON.stringify(found));
});
