// What every browser test shares: the site served from site/ (with, for edge tests, the fake
// worker's routes), headless Chromium through playwright-core, screenshots kept in
// test/artifacts/ (git-ignored) for a person to look at.
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../tools/serve.mjs";

export const siteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const artifacts = path.join(siteDir, "test", "artifacts");

export const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run"];

// open starts a server and a browser page at 1366×768 (a laptop screen); the page's errors
// are collected so that a test can assert there were none.
export async function open({ edge, extra, query = "" } = {}) {
  await mkdir(artifacts, { recursive: true });
  const server = await serve(siteDir, { edge, extra });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => { if (msg.type() === "error") errors.push(msg.text()); });
  await page.goto(server.url + query);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
  return {
    server, browser, context, page, errors,
    shot: (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: false }),
    // the errors the page logged, leaving out the expected 404 of the edge probe on a static
    // host (and its failure while offline)
    unexpectedErrors: () => errors.filter((e) => !/status of 404|ERR_INTERNET_DISCONNECTED/.test(e)),
    // offline reloads the page once the service worker has cached the shell, then again with
    // the network cut, and runs use(page) there before the network comes back
    async offline(use) {
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.reload();
      await page.waitForSelector("body[data-ready=true]");
      await context.setOffline(true);
      try {
        await page.reload();
        await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
        await use(page);
      } finally {
        await context.setOffline(false);
      }
    },
    async close() { await browser.close(); await server.close(); },
  };
}

// openExample opens the bundled example snapshot from the Open panel.
export async function openExample(page) {
  const before = await page.evaluate(() => window.connsecApp.state.generation);
  await page.click("#tab-open");
  await page.click("#examples button[data-file='examples/example/snapshot.json']");
  await page.waitForFunction((n) => window.connsecApp.state.generation > n, before);
}

// withExample opens a browser on the bundled example for a test file: the hooks that start it
// before the file's tests (handing {b, page} to ready) and close it after.
export function withExample(before, after, ready) {
  let b;
  before(async () => {
    b = await open();
    await openExample(b.page);
    ready({ b, page: b.page });
  });
  after(async () => { await b?.close(); });
}

// actAs makes a person the acting person of the what-if batch, by what is typed (a name).
export async function actAs(page, who) {
  await page.click("#tab-whatif");
  await page.fill("#actor", who);
  await page.dispatchEvent("#actor", "change");
}

// clearBatch takes every queued edit out of the batch, answering the question it asks.
export async function clearBatch(page) {
  await page.click("#tab-whatif");
  await page.click("#clear-batch");
  await page.click("#confirm-clear-yes");
}
