// The workbench: tabs, opening snapshots and scenario files, and the start-up (service
// worker, edge mode, ?snapshot=URL and a shared scenario in the URL fragment).
import * as engine from "./engine.js";
import { state, emit, on, indexSnapshot } from "./state.js";
import { h, clear, fmtBytes, nextFrame, download } from "./ui.js";
import { renderBrowse } from "./browse.js";
import { renderCheck } from "./check.js";
import { renderLists } from "./lists.js";
import { renderWhatIf, resetBatch } from "./whatif.js";
import { renderReports } from "./reports.js";
import { renderScenarios, openScenario } from "./scenarios.js";
import { readShared } from "./share.js";
import { startEdge } from "./edge.js";
import { renderHelp } from "./help.js";

const $ = (id) => document.getElementById(id);
const panels = {
  open: null, browse: renderBrowse, check: renderCheck, lists: renderLists,
  whatif: renderWhatIf, reports: renderReports, scenarios: renderScenarios, help: renderHelp,
};
const drawn = {}; // panel → the generation it was drawn for

// ---- tabs (WAI-ARIA tabs: arrows move between tabs, Tab goes into the panel) ----
const tabs = [...document.querySelectorAll("[role=tab]")];
export function selectTab(name) {
  for (const t of tabs) {
    const on = t.id === `tab-${name}`;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  const render = panels[name];
  if (render && drawn[name] !== state.generation) {
    drawn[name] = state.generation;
    render($(`panel-${name}`));
  }
}
for (const t of tabs) t.addEventListener("click", () => selectTab(t.id.slice(4)));
document.querySelector("[role=tablist]").addEventListener("keydown", (e) => {
  const live = tabs.filter((t) => !t.disabled);
  const i = live.indexOf(document.activeElement);
  if (i < 0) return;
  let j = null;
  if (e.key === "ArrowRight") j = (i + 1) % live.length;
  if (e.key === "ArrowLeft") j = (i - 1 + live.length) % live.length;
  if (e.key === "Home") j = 0;
  if (e.key === "End") j = live.length - 1;
  if (j === null) return;
  e.preventDefault();
  live[j].focus();
  selectTab(live[j].id.slice(4));
});
// redraw: a panel drawn for an older snapshot is drawn again when next shown
export function redraw(name) {
  drawn[name] = -1;
  if (!$(`panel-${name}`).hidden) selectTab(name);
}
// a review that is overdue shows as soon as a snapshot of ordinary size opens (on a large one,
// whose whole lint takes a while, it shows in Lint and reports)
function reviewNotice() {
  const el = $("notices");
  el.replaceChildren();
  if (state.index.pages.size + state.index.people.size > 5000) return;
  for (const f of engine.call("lint").result || []) {
    if (f.code !== "security_review_overdue") continue;
    el.append(h("p", { class: "notice review-due" }, "Security review: ", f.message, " ",
      h("button", { type: "button", class: "link", onclick: () => selectTab("reports") }, "Start the review")));
  }
}
on("loaded", () => {
  reviewNotice();
  for (const t of tabs) t.disabled = false;
  for (const name of Object.keys(drawn)) drawn[name] = -1;
  const open = tabs.find((t) => t.getAttribute("aria-selected") === "true");
  selectTab(open.id.slice(4));
});

// ---- opening ----
function progress(text, fraction) {
  $("progress").hidden = text == null;
  $("progress-text").textContent = text || "";
  if (fraction == null) $("progress-bar").removeAttribute("value");
  else $("progress-bar").value = fraction;
}

function showOpenError(message) {
  const el = $("open-error");
  el.hidden = !message;
  el.textContent = message || "";
  if (message) selectTab("open");
}

// fetchText downloads a file, showing how much has arrived.
async function fetchText(url, label) {
  const t0 = performance.now();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${label}: the server answered ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get("Content-Length")) || 0;
  const reader = res.body.getReader();
  const parts = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    got += value.length;
    progress(`Downloading ${label}: ${fmtBytes(got)}${total ? ` of ${fmtBytes(total)}` : ""}`, total ? got / total : null);
  }
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  state.timings.fetch = performance.now() - t0;
  return new TextDecoder().decode(bytes);
}

// openText takes a snapshot or a scenario file, told apart by its format.
export async function openText(text, source) {
  showOpenError("");
  let format = "";
  const head = text.slice(0, 4096).match(/"format"\s*:\s*"([^"]+)"/);
  if (head) format = head[1];
  if (format === "connsec.scenario/v1") {
    let doc;
    try { doc = JSON.parse(text); } catch (err) { return showOpenError(`${source} is not JSON: ${err.message}`); }
    selectTab("scenarios");
    return openScenario(doc, source);
  }
  return loadSnapshot(text, source);
}

// loadSnapshot hands the text to the module; a refused snapshot lists every problem with its
// path and leaves the open one as it was.
export async function loadSnapshot(text, source, { keepBatch = false } = {}) {
  progress(`Checking the snapshot (${fmtBytes(text.length)})…`, null);
  await nextFrame();
  const t0 = performance.now();
  const r = engine.loadText(text);
  const t1 = performance.now();
  if (!r.ok) {
    progress(null);
    const problems = r.error.problems || [r.error];
    showOpenError(`${source} was not opened: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
      problems.slice(0, 50).map((p) => `• ${p.path ? p.path + ": " : ""}${p.message} (${p.code})`).join("\n") +
      (problems.length > 50 ? `\n… and ${problems.length - 50} more` : ""));
    return false;
  }
  const doc = JSON.parse(text);
  const t2 = performance.now();
  state.index = indexSnapshot(doc);
  state.edge = null; // a snapshot opened here is not the server's (edge.js sets it again for one that is)
  const t3 = performance.now();
  Object.assign(state, { text, doc, source, url: state.pendingURL || "" });
  state.pendingURL = "";
  state.generation++;
  state.timings = { ...state.timings, module: t1 - t0, parse: t2 - t1, index: t3 - t2, ready: t3 - t0 };
  if (!keepBatch) {
    resetBatch();
    state.checks = []; // kept checks belong to the snapshot they were made on
  }
  progress(null);
  summarize();
  emit("loaded");
  return true;
}

function summarize() {
  const ix = state.index, d = state.doc;
  const pages = ix.pages.size, staff = ix.agencies.reduce((n, a) => n + (a.staff || []).length, 0);
  $("status").textContent = `${state.source} · version ${d.version} · as of ${d.as_of} · ${ix.agencies.length} ${ix.agencies.length === 1 ? "agency" : "agencies"} · ${staff} staff records · ${pages} pages`;
  const t = state.timings;
  clear($("summary"), h("div", { class: "notice" },
    h("p", {}, `Opened ${state.source}: version ${d.version}, as of ${d.as_of}.`),
    h("p", { class: "muted", id: "load-timing" },
      `${t.fetch ? `Downloaded in ${Math.round(t.fetch)} ms; ` : ""}checked and compiled by the evaluator in ${Math.round(t.module)} ms, read for display in ${Math.round(t.parse + t.index)} ms.`),
    h("div", { class: "row" },
      h("button", { type: "button", onclick: () => download(`snapshot-v${d.version}.json`, state.text) }, "Download this snapshot"),
      h("button", { type: "button", onclick: () => selectTab("browse") }, "Browse it"))));
}

async function openURL(url, label = url) {
  try {
    const text = await fetchText(url, label);
    state.pendingURL = new URL(url, location.href).href;
    await openText(text, label);
  } catch (err) {
    progress(null);
    showOpenError(`${label} could not be opened: ${err.message}`);
  }
}

async function openFile(file) {
  progress(`Reading ${file.name} (${fmtBytes(file.size)})…`, null);
  const text = await file.text();
  state.pendingURL = "";
  await openText(text, file.name);
}

$("file").addEventListener("change", (e) => { if (e.target.files[0]) openFile(e.target.files[0]); e.target.value = ""; });
const drop = $("drop");
for (const ev of ["dragenter", "dragover"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) openFile(e.dataTransfer.files[0]);
});
// a file dropped anywhere on the page opens too
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer?.files[0]) openFile(e.dataTransfer.files[0]); });
$("url-form").addEventListener("submit", (e) => { e.preventDefault(); if ($("url").value) openURL($("url").value); });

async function listExamples() {
  try {
    const index = await (await fetch("examples/index.json")).json();
    const item = (it) => h("li", {},
      h("button", { type: "button", class: "link", "data-file": it.file, onclick: () => openURL(it.file, it.title) }, it.title));
    clear($("examples"),
      h("li", {}, h("h4", {}, "Snapshot"), h("ul", { class: "plain" }, index.snapshots.map(item))),
      h("li", {}, h("h4", {}, "Scenario files (open one to run it)"), h("ul", { class: "plain" }, index.scenarios.map(item))));
  } catch {
    clear($("examples"), h("li", { class: "muted" }, "No bundled examples here (run make site)."));
  }
}

// ---- start ----
async function main() {
  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    navigator.serviceWorker.register("sw.js").catch(() => { /* the site works without it */ });
  }
  $("status").textContent = "Starting the evaluator…";
  listExamples();
  await engine.start();
  const edge = startEdge({ loadSnapshot, selectTab }); // it may load the server's snapshot at once
  $("status").textContent = "No snapshot open: open one below.";
  window.connsecApp = { state, engine, ready: true };
  const params = new URLSearchParams(location.search);
  const shared = await readShared(location.hash).catch((err) => { showOpenError(`The shared scenario in this link cannot be read: ${err.message}`); return null; });
  if (shared) {
    selectTab("scenarios");
    await openScenario(shared, "the shared link");
  } else if (params.get("snapshot")) {
    await openURL(params.get("snapshot"));
  } else {
    await edge;
  }
  document.body.dataset.ready = "true";
}
main().catch((err) => { $("status").textContent = `The workbench could not start: ${err.message}`; });
