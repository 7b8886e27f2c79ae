// Help in headless Chromium: the rules reference (evaluator/RULES.md, copied by `make site`)
// is shown with its table of contents, its links move to their headings by mouse and by
// keyboard, its tables and checked examples are drawn, and it opens offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open } from "./browser.mjs";

const rules = await readFile(new URL("../../evaluator/RULES.md", import.meta.url), "utf8");

let b, page;
before(async () => {
  b = await open();
  page = b.page;
});
after(async () => { await b?.close(); });

// the top of a heading is in the window
async function inView(selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight;
  });
}

test("Help shows the rules with their contents, before any snapshot is open", async () => {
  await page.click("#tab-help");
  await page.waitForSelector("#panel-help .help-doc");
  assert.equal(await page.getAttribute("#tab-help", "aria-selected"), "true");
  assert.equal(await page.textContent("#panel-help .help-doc h2"), "The rules of connsec");
  // every ## and ### heading of the document is in the contents
  const sections = rules.split("\n").filter((l) => /^##{1,2} /.test(l)).length;
  assert.equal(await page.locator("#panel-help .help-toc a").count(), sections);
  const heading = page.locator("#panel-help h4[id='41-the-order-of-the-decision']");
  assert.equal(await heading.textContent(), "4.1 The order of the decision");
  // the kinds table and the checked examples are drawn as such
  const kinds = page.locator("#panel-help table", { hasText: "performance_report" }).first();
  assert.match(await kinds.locator("tbody tr").first().textContent(), /organization\s*yes/);
  const examples = (rules.match(/^```connsec-(example|edit|lint)$/gm) || []).length;
  assert.equal(await page.locator("#panel-help figure.rule-example").count(), examples);
  assert.match(await page.locator("#panel-help figure.rule-example").first().textContent(), /p-1064 read on page:pg-alb-dlg-mgmt → not allowed, level denied/);
  // every link to a heading of the rules finds it here (the anchors are made as in the repository)
  const missing = await page.$$eval("#panel-help a[data-rules-anchor]", (links) => links
    .filter((a) => !document.getElementById(a.dataset.rulesAnchor)).map((a) => a.getAttribute("href")));
  assert.deepEqual(missing, []);
  // a link to another file of the repository is named, not followed
  assert.equal(await page.locator("#panel-help .help-doc a[href*='README']").count(), 0);
  assert.match(await page.locator("#panel-help .repo-ref").first().textContent(), /fixtures\/example\/snapshot\.json/);
  await b.shot("help-top");
  assert.deepEqual(b.unexpectedErrors(), []);
});

test("a link in the contents moves to its section and gives it the focus", async () => {
  await page.click("#panel-help .help-toc a[href='#45-business-functions-and-capabilities']");
  assert.equal(await page.evaluate(() => document.activeElement.id), "45-business-functions-and-capabilities");
  assert.ok(await inView("[id='45-business-functions-and-capabilities']"), "the section is scrolled into view");
  assert.equal(await page.evaluate(() => location.hash), "", "the address keeps its fragment for shared scenarios");
  await b.shot("help-capabilities");
  // a link inside the text does the same: the introduction points at step 7 of §4.1
  await page.click("#panel-help .help-doc a[href='#41-the-order-of-the-decision']");
  assert.equal(await page.evaluate(() => document.activeElement.id), "41-the-order-of-the-decision");
});

test("Help works with the keyboard", async () => {
  await page.focus("#tab-scenarios");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-help");
  await page.keyboard.press("Tab");
  // Tab goes into the contents; Enter on a section's link moves there
  assert.equal(await page.evaluate(() => document.activeElement.closest(".help-toc") !== null), true);
  await page.focus("#panel-help .help-toc a[href='#7-lint']");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "7-lint");
  assert.ok(await inView("[id='7-lint']"));
  await b.shot("help-lint");
});

test("Help opens offline once the workbench was visited", async () => {
  await b.offline(async () => {
    await page.click("#tab-help");
    await page.waitForSelector("#panel-help .help-doc h4[id='41-the-order-of-the-decision']");
  });
  assert.deepEqual(b.unexpectedErrors(), []);
});
