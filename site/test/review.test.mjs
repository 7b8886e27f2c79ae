// The security review as a guided task: an overdue review shows on opening; the task walks
// through the staff security report, the agency's lint findings and every worker's profile,
// and ends by recording the review, which resolves the finding.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open, openExample } from "./browser.mjs";

let b, page;
before(async () => {
  b = await open();
  page = b.page;
  await openExample(page);
});
after(async () => { await b?.close(); });

test("an overdue review shows on opening, and the review is a task that ends by recording it", async () => {
  await page.waitForSelector("#notices .review-due");
  assert.match(await page.textContent("#notices"), /Security review: /);
  await page.click("#notices .review-due button");
  await page.waitForSelector("#review-steps");
  // the acting coordinator's agency comes first; choose one whose review is overdue
  const overdueAgency = await page.evaluate(() => {
    const lint = JSON.parse(globalThis.connsec.call("lint", "{}")).result;
    return lint.find((f) => f.code === "security_review_overdue").target.replace(/^agency:/, "");
  });
  await page.selectOption("#review-agency", overdueAgency);
  await page.waitForSelector("#review-overdue");
  assert.ok(await page.$("#review-report"), "the staff security report is a step");
  assert.ok(await page.$("#review-profiles"), "every worker's profile is a step");
  await page.evaluate(() => { window.printed = ""; window.print = () => { window.printed = document.getElementById("profile-print").textContent; }; });
  await page.click("#review-profiles");
  const printed = await page.evaluate(() => window.printed);
  assert.ok((printed.match(/Your business function profile — /g) || []).length > 3, "every active worker's profile is printed");

  // record it, as a coordinator of that agency
  const coordinator = await page.evaluate((id) => window.connsecApp.state.index.agencies.find((a) => a.id === id).coordinators.find((c) => c.role === "primary").person, overdueAgency);
  await page.evaluate((p) => { window.connsecApp.state.batch.actor = p; }, coordinator);
  await page.fill("#review-note", "Reviewed with the unit approvers");
  await page.click("#review-record");
  await page.waitForSelector("#op-add");
  await page.click("#op-add");
  await page.waitForSelector("#diff-lint");
  assert.match(await page.textContent("#diff-lint"), /resolved: security_review_overdue/);
  await page.click("#apply");
  await page.click("#confirm-apply-yes");
  await page.waitForSelector("#applied");
  const reviews = await page.evaluate((id) => window.connsecApp.state.doc.agencies.find((a) => a.id === id).security_reviews, overdueAgency);
  assert.equal(reviews.at(-1).note, "Reviewed with the unit approvers");
  assert.equal(reviews.at(-1).by, coordinator);
  assert.equal(reviews.at(-1).version, 0, "the version the reviewed state had");
  await b.shot("review-recorded");
});
