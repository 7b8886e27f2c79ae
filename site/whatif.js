// What-if: edits queued as one batch acted by a chosen person (SPEC §5); after every change
// the module's what-if answers at once (SPEC §6): access gained and lost by person and page,
// profile changes, lint added and resolved, notifications, or the refusal with its reason.
// Any edit can be undone; the batch can be applied to the local snapshot and downloaded, or,
// in edge mode, pushed to the server.
import { call } from "./engine.js";
import { state, on, personLabel, pageLabel } from "./state.js";
import { h, clear, field, suggest, download, nextFrame, confirmStep } from "./ui.js";
import { dataTable } from "./table.js";
import { OPS, opForm } from "./ops.js";
import { readPerson, principalLabel, unitLabel } from "./names.js";
import { printProfile } from "./reports.js";
import { peopleItems } from "./check.js";
import { edge, push } from "./edge.js";
import { selectTab, loadSnapshot } from "./app.js";

const rank = { none: 0, denied: 0, reader: 1, editor: 2, full: 3 };
let view = null; // the drawn panel's parts
let pending = null; // an op (and values) to open when the panel is drawn

// resetBatch starts an empty batch on a newly loaded snapshot; the actor defaults to the
// first agency's primary coordinator.
export function resetBatch() {
  const a = state.index.agencies[0];
  const primary = a?.coordinators?.find((c) => c.role === "primary")?.person || state.doc.administrators?.[0] || "";
  state.batch = { actor: state.batch.actor && state.index.people.has(state.batch.actor) ? state.batch.actor : primary, base_version: state.doc.version, edits: [] };
  state.whatif = null;
  badge();
}

// startEdit opens the what-if panel with an op's form filled in.
export function startEdit(values) {
  pending = values;
  selectTab("whatif");
  if (view) openForm(values.op, values);
}

// setBatch replaces the batch (a scenario's step, a shared link) and runs the what-if.
export function setBatch(actor, edits) {
  state.batch = { actor, base_version: state.doc.version, edits: edits.slice() };
  runWhatIf();
}

function badge() {
  const b = document.getElementById("batch-count");
  b.hidden = !state.batch.edits.length;
  b.textContent = String(state.batch.edits.length);
}

// working says, and paints, that the evaluator is at work before a long synchronous call
// (a what-if or an apply on 50,000 pages takes seconds). On a small snapshot the answer is
// there at once and nothing waits.
const large = () => state.index.pages.size + state.index.people.size > 5000;
async function working(text) {
  if (!view || !large()) return;
  clear(view.message, h("p", { class: "muted", role: "status" }, text));
  await nextFrame();
  clear(view.message);
}

export function runWhatIf() {
  state.batch.base_version = state.edge?.version ?? state.doc.version;
  const t0 = performance.now();
  state.whatif = state.batch.edits.length ? call("whatif", { batch: state.batch }).result : null;
  state.timings.whatif = performance.now() - t0;
  badge();
  if (view) drawBatch();
  return state.whatif;
}
on("batch", () => runWhatIf());
// a suggestion (check.js) joins the batch: its edits after those queued, its actor acting
on("suggestion", ({ actor, edits }) => {
  if (!state.batch.edits.length) state.batch.actor = actor;
  state.batch.edits.push(...edits);
  runWhatIf();
});

export function renderWhatIf(panel) {
  const actor = h("input", { id: "actor", value: personLabel(state.batch.actor), size: "28", autocomplete: "off" });
  suggest(actor, document.getElementById("people-list"), peopleItems);
  actor.addEventListener("change", async () => {
    let id;
    try { id = readPerson(actor.value, "Acting person"); } catch (err) { return clear(view.refusal, h("p", { class: "error" }, err.message)); }
    clear(view.refusal);
    if (id === state.batch.actor) return;
    state.batch.actor = id;
    if (large()) await working("Working out the impact…");
    runWhatIf();
  });
  const chooser = h("select", { id: "op-choose" }, h("option", { value: "" }, "Choose a process…"),
    [...new Set(OPS.map((o) => o.group))].map((g) => h("optgroup", { label: g }, OPS.filter((o) => o.group === g).map((o) => h("option", { value: o.id }, o.label)))));
  // a process opens when it is chosen with the mouse or with Enter; the arrow keys only move
  // through the list (a form that opened on every arrow would take the focus, and the next
  // arrow would change a field of that form instead)
  let keyed = false;
  chooser.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); keyed = false; openForm(chooser.value, {}); } else if (e.key !== "Tab") keyed = true;
  });
  chooser.addEventListener("pointerdown", () => { keyed = false; });
  chooser.addEventListener("blur", () => { keyed = false; });
  chooser.addEventListener("change", () => { if (!keyed) openForm(chooser.value, {}); });
  view = {
    actor, chooser,
    form: h("form", { id: "op-form", "aria-label": "The edit" }),
    refusal: h("div", { id: "refusal", role: "alert" }),
    queue: h("ol", { class: "queue", id: "queue", "aria-label": "Queued edits" }),
    diff: h("div", { id: "diff", "aria-live": "polite" }),
    actions: h("div", { class: "row", id: "batch-actions" }),
    confirm: h("div", { id: "batch-confirm" }),
    message: h("div", { id: "batch-message", role: "status" }),
  };
  clear(panel, h("h2", {}, "What-if"),
    h("p", { class: "hint" }, "Queue edits as one batch; each is judged as the chosen person making it, after the edits before it. Nothing changes until you apply."),
    h("div", { class: "grid-form" }, ...field("Acting person", actor, "the coordinator or administrator making the batch"),
      ...field("Process", chooser, "choose with the mouse, or move with the arrows and press Enter")),
    view.form, view.refusal,
    h("h3", {}, "The batch"), view.queue, view.actions, view.confirm, view.message, view.diff);
  if (pending) openForm(pending.op, pending); else drawBatch();
}

function openForm(opId, values) {
  pending = null;
  const op = OPS.find((o) => o.id === opId);
  view.chooser.value = op ? opId : "";
  if (!op) return clear(view.form);
  const f = opForm(op, values);
  clear(view.form, h("h3", {}, op.label), f.el,
    h("div", { class: "row" }, h("button", { class: "primary", id: "op-add" }, "Add to the batch"),
      h("button", { type: "button", onclick: () => { clear(view.form); view.chooser.value = ""; } }, "Close")));
  view.form.onsubmit = (e) => {
    e.preventDefault();
    let edits;
    try { edits = f.edits(); } catch (err) { return clear(view.refusal, h("p", { class: "error" }, err.message)); }
    addEdits(edits);
  };
  view.form.querySelector("input, select, textarea")?.focus();
}

// addEdits queues edits; a refused one is taken back out at once, with its reason shown.
async function addEdits(edits) {
  if (large()) await working("Working out the impact…");
  const before = state.batch.edits.length;
  state.batch.edits.push(...edits);
  const w = runWhatIf();
  if (w && !w.accepted && w.error?.index >= before) {
    state.batch.edits.splice(before);
    runWhatIf();
    clear(view.refusal, h("p", { class: "error" }, `Refused, not queued — ${w.error.code}: ${w.error.message}`), couldMake(w.error, edits));
    return;
  }
  clear(view.refusal);
}

// couldMake offers, under a not_authorized refusal, to make the edit as one of the people who
// could (the module names them): one click acts as them and queues the edit again.
function couldMake(error, edits) {
  const could = (error.could || []).slice(0, 4);
  if (error.code !== "not_authorized" || !could.length) return null;
  return h("div", { class: "row", id: "could-make" }, h("span", {}, "Who could make it:"), could.map((a) =>
    h("button", { type: "button", "data-act-as": a.person, title: a.why, onclick: () => {
      state.batch.actor = a.person;
      addEdits(edits);
    } }, `Act as ${a.name} and queue it`)));
}

async function undo(i) {
  if (large()) await working("Working out the impact…");
  state.batch.edits.splice(i, 1);
  clear(view.refusal);
  runWhatIf();
}

// describe words a queued edit with the names of whom and what it names.
const PERSON_FIELDS = new Set(["person", "approver", "actor"]);
const PEOPLE_FIELDS = new Set(["managers", "editors", "leaders", "members", "owners", "responsible"]);
function describe(e) {
  const name = (k, v) => typeof v !== "string" ? v : PERSON_FIELDS.has(k) ? personLabel(v) : k === "page" ? pageLabel(v)
    : k === "unit" || k === "into" ? unitLabel(v) : k === "agency" ? state.index.agencies.find((a) => a.id === v)?.name || v : v;
  const words = (k, v) => k === "entries" && Array.isArray(v)
    ? v.map((x) => `${principalLabel(x.principal)} ${x.role}${x.create?.length ? ` (create ${x.create.join(", ")})` : ""}`).join("; ") || "none"
    : Array.isArray(v) && PEOPLE_FIELDS.has(k) ? v.map(personLabel).join(", ") || "nobody"
      : Array.isArray(v) && k === "from" ? v.map(unitLabel).join(", ")
        : typeof v === "object" && v !== null ? JSON.stringify(v) : name(k, v);
  const bits = Object.entries(e).filter(([k]) => k !== "op").map(([k, v]) => `${k}: ${words(k, v)}`);
  return `${e.op} — ${bits.join(", ")}`;
}

function drawBatch() {
  const w = state.whatif, edits = state.batch.edits;
  view.actor.value = personLabel(state.batch.actor);
  clear(view.queue, edits.length ? edits.map((e, i) => h("li", { class: w && !w.accepted && w.error?.index === i ? "refused" : null },
    h("span", { class: "muted" }, `${i + 1}.`), h("code", {}, describe(e)),
    h("button", { type: "button", "aria-label": `Undo edit ${i + 1}`, "data-undo": String(i), onclick: () => undo(i) }, "Undo"))) : h("li", { class: "muted" }, "No edits queued."));
  clear(view.actions);
  clear(view.confirm);
  if (edits.length) {
    const n = plural(edits.length, "edit", "edits");
    const where = agenciesOf(edits);
    const onServer = edge.on && edge.token();
    const pushBtn = onServer ? h("button", { type: "button", class: "primary", id: "push", disabled: !w?.accepted, onclick: () => confirmStep(view.confirm, {
      question: `Push ${n} to the server, acted by ${personLabel(edge.subject() || state.batch.actor)}? ${where} will change on the server, which is at version ${state.edge?.version ?? state.doc.version}; everyone sees the change at once.`,
      yes: "Push now", id: "confirm-push", onYes: pushEdge }) }, `Push to the server (${where}, version ${state.edge?.version ?? state.doc.version})`) : null;
    const applyBtn = h("button", { type: "button", class: onServer ? null : "primary", id: "apply", disabled: !w?.accepted, onclick: () => confirmStep(view.confirm, {
      question: onServer
        ? `Apply ${n} to a local copy only? The server is not changed; the copy in this tab becomes version ${state.doc.version + 1}, to look at or download.`
        : `Apply ${n} to the local snapshot? It becomes version ${state.doc.version + 1}; download it afterwards to keep it.`,
      yes: onServer ? "Apply to the local copy" : "Apply", id: "confirm-apply", onYes: applyLocal }) }, onServer ? "Try it on a local copy only" : "Apply to the local snapshot");
    view.actions.append(...[pushBtn, applyBtn,
      h("button", { type: "button", onclick: () => download("batch.json", JSON.stringify(state.batch, null, 1)) }, "Download the batch"),
      h("button", { type: "button", id: "clear-batch", onclick: () => confirmStep(view.confirm, {
        question: `Take all ${n} out of the batch? The snapshot is not changed.`, yes: "Clear the batch", id: "confirm-clear",
        onYes: () => { state.batch.edits = []; clear(view.refusal); runWhatIf(); } }) }, "Clear the batch"),
    ].filter(Boolean));
  }
  drawDiff(w);
}

function drawDiff(w) {
  if (!w) return clear(view.diff);
  if (!w.accepted) {
    return clear(view.diff, h("p", { class: "error", id: "batch-refused" },
      `The batch would be refused at edit ${w.error.index + 1} (${w.error.path}) — ${w.error.code}: ${w.error.message}`));
  }
  const rows = w.access.map((c) => {
    const b = rank[c.before.level], a = rank[c.after.level];
    const gainedC = c.after.create.filter((k) => !c.before.create.includes(k));
    const lostC = c.before.create.filter((k) => !c.after.create.includes(k));
    const change = a > b || (a === b && c.after.level !== "denied" && c.before.level === "denied") ? "gain"
      : a < b || c.after.level === "denied" && c.before.level !== "denied" ? "loss"
        : lostC.length && !gainedC.length ? "loss" : "gain";
    const pageId = c.resource.replace(/^page:/, "");
    const who = personLabel(c.subject), what = pageLabel(pageId);
    return { ...c, person: c.subject, name: who === c.subject ? "" : who.replace(/ \([^()]*\)$/, ""), page: pageId,
      title: what === pageId ? "(new page)" : what.replace(/ \([^()]*\)$/, ""),
      levels: `${c.before.level} → ${c.after.level}`, creates: [...gainedC.map((k) => `+${k}`), ...lostC.map((k) => `−${k}`)].join(" "), change };
  });
  const by = (key) => {
    const m = new Map();
    for (const r of rows) {
      const x = m.get(r[key]) || { id: r[key], label: key === "person" ? personLabel(r.person) : pageLabel(r.page), gains: 0, losses: 0 };
      x[r.change === "gain" ? "gains" : "losses"]++;
      m.set(r[key], x);
    }
    return [...m.values()];
  };
  const gains = rows.filter((r) => r.change === "gain").length;
  const accessTable = h("div", { id: "diff-access" });
  const byPerson = h("div"), byPage = h("div");
  clear(view.diff,
    h("h3", {}, "Impact of the batch"),
    h("p", { id: "diff-summary" }, w.summary, h("span", { class: "hint" }, ` (what-if in ${Math.round(state.timings.whatif)} ms)`)),
    h("p", {}, h("span", { class: "gain" }, plural(gains, "gain", "gains")), " · ", h("span", { class: "loss" }, plural(rows.length - gains, "loss", "losses")), ` of page access, for ${plural(by("person").length, "person", "people")} on ${plural(by("page").length, "page", "pages")}`),
    w.access_total > rows.length ? h("p", { id: "diff-cut", class: "hint" },
      `This batch changes ${w.access_total.toLocaleString("en-US")} person–page answers: the first ${rows.length.toLocaleString("en-US")} are listed below (by person, then page), and the summary above counts them all.`) : null,
    rows.length ? [accessTable, byEdit(), h("div", { class: "cols" }, h("div", {}, h("h4", {}, "By person"), byPerson), h("div", {}, h("h4", {}, "By page"), byPage))] : null,
    h("h4", {}, "Business function profiles"),
    w.functions.length ? h("ul", { id: "diff-functions" }, w.functions.map((f) => h("li", {}, personLabel(f.person), ": ",
      f.gained.length ? h("span", { class: "gain" }, `gains ${f.gained.join("; ")}`) : null, f.gained.length && f.lost.length ? " · " : null,
      f.lost.length ? h("span", { class: "loss" }, `loses ${f.lost.join("; ")}`) : null))) : h("p", { class: "muted" }, "No profile changes."),
    h("h4", {}, "Lint"),
    h("ul", { id: "diff-lint" }, w.lint.added.map((f) => h("li", { class: "loss" }, `new: ${f.code} — ${f.message}`)),
      w.lint.resolved.map((f) => h("li", { class: "gain" }, `resolved: ${f.code} — ${f.message}`)),
      !w.lint.added.length && !w.lint.resolved.length ? h("li", { class: "muted" }, "No lint changes.") : null),
    h("h4", {}, "Notifications"),
    w.notifications.length ? h("ul", { id: "diff-notifications" }, w.notifications.map((n) => h("li", {},
      `${personLabel(n.person)} is to be shown their new profile (added ${n.added.join(", ") || "nothing"}; removed ${n.removed.join(", ") || "nothing"})`))) : h("p", { class: "muted" }, "None."));
  if (rows.length) {
    dataTable(accessTable, [
      { key: "change", label: "Change", width: "5rem", cls: (r) => r.change },
      { key: "person", label: "Person", width: "7rem" }, { key: "name", label: "Name", width: "11rem" },
      { key: "page", label: "Page", width: "11rem" }, { key: "title", label: "Title", width: "1fr" },
      { key: "levels", label: "Level", width: "9rem" }, { key: "creates", label: "Create rights", width: "12rem" }],
    { name: "access-diff", label: "Access changes", height: Math.min(300, 28 * rows.length + 4) }).setRows(rows);
    const small = [{ key: "label", label: "Who / what", width: "1fr" }, { key: "gains", label: "Gains", width: "5rem" }, { key: "losses", label: "Losses", width: "5rem" }];
    dataTable(byPerson, small, { name: "diff-by-person", label: "Changes by person", height: 150 }).setRows(by("person"));
    dataTable(byPage, small, { name: "diff-by-page", label: "Changes by page", height: 150 }).setRows(by("page"));
  }
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// byEdit says what each edit of the batch changes on its own: the cells whose level differs
// between the batch cut before the edit and the batch cut after it (a what-if of each cut).
// A batch of one edit, or of more than eight, or on a large snapshot, is not split.
const MAX_SPLIT = 8;
function byEdit() {
  const edits = state.batch.edits;
  if (edits.length < 2 || edits.length > MAX_SPLIT || large()) return null;
  const levels = (w) => new Map(w.access.map((c) => [`${c.subject}|${c.resource}`, c.after.level]));
  const before = new Map(state.whatif.access.map((c) => [`${c.subject}|${c.resource}`, c.before.level]));
  let prev = new Map();
  const items = [];
  for (let k = 1; k <= edits.length; k++) {
    const w = k === edits.length ? state.whatif : call("whatif", { batch: { ...state.batch, edits: edits.slice(0, k) } }).result;
    if (!w?.accepted) return null;
    const now = levels(w);
    let gains = 0, losses = 0;
    for (const key of new Set([...prev.keys(), ...now.keys()])) {
      const was = prev.get(key) ?? before.get(key) ?? "none", is = now.get(key) ?? before.get(key) ?? "none";
      if (was === is) continue;
      if (rank[is] > rank[was] || (was === "denied" && is !== "denied")) gains++; else losses++;
    }
    items.push(h("li", {}, h("code", {}, describe(edits[k - 1])), ": ",
      gains || losses ? [h("span", { class: "gain" }, plural(gains, "gain", "gains")), " · ", h("span", { class: "loss" }, plural(losses, "loss", "losses"))] : h("span", { class: "muted" }, "no page access changes on its own")));
    prev = now;
  }
  return h("div", {}, h("h4", {}, "By edit"), h("ol", { id: "diff-by-edit" }, items));
}

// agenciesOf names, in words, the agencies a batch's edits act on: the agency an edit names,
// or the agency of the page it names (a new page: of its parent).
function agenciesOf(edits) {
  const ids = new Set();
  for (const e of edits) {
    const page = typeof e.page === "string" ? e.page : e.page?.parent;
    const id = e.agency && typeof e.agency === "string" ? e.agency : e.agency?.id || state.index.pages.get(page)?.agency;
    if (id) ids.add(id);
  }
  if (!ids.size) return "the state-wide settings";
  const name = (id) => state.index.agencies.find((a) => a.id === id)?.name || id;
  return [...ids].map(name).join(" and ");
}

function snapshotText() {
  const raw = globalThis.connsec.call("snapshot", "{}");
  return raw.slice(raw.indexOf('"result":') + 9, -1);
}

async function applyLocal() {
  if (large()) await working("Applying the batch…");
  const before = { text: state.text, source: state.source, actor: state.batch.actor, edits: state.batch.edits.slice() };
  const r = call("apply", { batch: state.batch });
  if (!r.ok) return clear(view.message, h("p", { class: "error" }, `Not applied — ${r.error.code}: ${r.error.message}`));
  const notes = r.result.notifications || [];
  const onServer = edge.on && edge.token();
  await loadSnapshot(snapshotText(), `${state.source.replace(/ \(edited.*\)$/, "")} (edited${onServer ? " locally" : ""}, version ${r.result.version})`);
  selectTab("whatif");
  clear(view.message, h("div", { class: "notice", id: "applied" },
    h("p", {}, onServer
      ? `Applied to a local copy only: it is version ${r.result.version} in this tab. The server still has version ${state.edge?.version ?? r.result.version - 1}; undo, then push to change it there.`
      : `Applied: the local snapshot is now version ${r.result.version}. Download it to keep it or to share it.`),
    notes.length ? h("p", {}, `Inform ${notes.map((n) => personLabel(n.person)).join(", ")} of their new profile:`) : null,
    notes.length ? h("div", { class: "row" }, notes.map((n) => h("button", { type: "button", "data-print-profile": n.person, onclick: () => printProfile(n.person, selectTab) }, `Print the profile of ${personLabel(n.person)}`))) : null,
    h("div", { class: "row" },
      h("button", { type: "button", class: "primary", id: "download-applied", onclick: () => download(`snapshot-v${r.result.version}.json`, state.text) }, "Download the new snapshot"),
      h("button", { type: "button", id: "undo-apply", onclick: () => undoApply(before) }, "Undo the apply"))));
}

// undoApply goes back to the snapshot as it was before the apply, with its batch queued again.
async function undoApply(before) {
  if (large()) await working("Going back…");
  await loadSnapshot(before.text, before.source);
  setBatch(before.actor, before.edits);
  selectTab("whatif");
  clear(view.message, h("p", { class: "notice", id: "apply-undone" }, `The apply was undone: the snapshot is version ${state.doc.version} again, and the ${plural(before.edits.length, "edit is", "edits are")} queued as before.`));
}

async function pushEdge() {
  clear(view.message, h("p", {}, "Pushing…"));
  const out = await push(state.batch);
  if (out.ok) {
    state.batch.edits = [];
    runWhatIf();
    selectTab("whatif");
    return clear(view.message, h("div", { class: "notice", id: "pushed" }, `The server accepted the batch: version ${out.shard_version ?? out.version}.${out.summary ? ` ${out.summary}.` : ""}`,
      out.notifications?.length ? ` Inform ${out.notifications.map((n) => personLabel(n.person)).join(", ")} of their new profile.` : ""));
  }
  selectTab("whatif");
  clear(view.message, h("p", { class: "error", id: "push-error" }, `${out.status ? `${out.status} ` : ""}${out.code}: ${out.message}${out.index != null ? ` (edit ${out.index + 1}${out.path ? `, ${out.path}` : ""})` : ""}`));
}

