// Scenario files (SPEC §9): open one and run it, with pass or fail for every expectation;
// save the current batch and the kept checks as a new scenario file; share a small scenario
// as a link that carries it in the URL fragment.
import { call } from "./engine.js";
import { state } from "./state.js";
import { h, clear, field, download, suggest } from "./ui.js";
import { peopleItems, resourceItems, actionItems } from "./check.js";
import { personLabel, resourceLabel, readPerson, readResource } from "./names.js";
import { shareLink } from "./share.js";
import { loadSnapshot, selectTab } from "./app.js";
import { setBatch } from "./whatif.js";

let current = null; // {doc, text, source, url, snapshotText, result, edited}
let editing = null; // the check being changed: {at: [step, "checks", index], check}
let panelEl = null;

// openScenario takes a scenario document; its snapshot is inline or named by snapshot_file
// relative to where the scenario came from (a shared link: relative to examples/scenarios/).
export async function openScenario(doc, source, url = state.pendingURL) {
  state.pendingURL = "";
  current = { doc, text: JSON.stringify(doc), source, url, snapshotText: "", result: null, error: "", edited: false };
  try {
    if (doc.snapshot) {
      current.snapshotText = JSON.stringify(doc.snapshot);
    } else if (doc.snapshot_file) {
      const base = url || new URL("examples/scenarios/", location.href).href;
      const res = await fetch(new URL(doc.snapshot_file, base));
      if (!res.ok) throw new Error(`its snapshot ${doc.snapshot_file} could not be fetched (${res.status})`);
      current.snapshotText = await res.text();
    }
  } catch (err) {
    current.error = `${err.message}. Open the snapshot file it names as well, then run it against the open snapshot.`;
  }
  if (current.snapshotText) {
    await loadSnapshot(current.snapshotText, `the snapshot of “${doc.title || source}”`);
    // a scenario of one batch (as the workbench saves them) comes back as that batch
    const withEdits = (doc.steps || []).filter((s) => s.edits?.length);
    if (withEdits.length === 1 && !withEdits[0].expect_error) setBatch(withEdits[0].actor, withEdits[0].edits);
    run();
  }
  selectTab("scenarios");
  if (panelEl) renderScenarios(panelEl);
}

function run() {
  const files = {};
  let text = current.text;
  if (current.doc.snapshot_file) files[current.doc.snapshot_file] = current.snapshotText || state.text;
  const r = call("scenario", { scenario: text, files });
  current.result = r.ok ? r.result : null;
  current.error = r.ok ? "" : `${r.error.code}: ${r.error.message}`;
}

// expectations lists every expectation of the file with the path a failure names (SPEC §9).
function expectations(doc) {
  const out = [];
  (doc.steps || []).forEach((s, i) => {
    const at = `steps[${i}]`;
    const step = { note: s.note || `Step ${i + 1}`, items: [] };
    if (s.edits?.length) {
      step.items.push({ paths: [`${at}.edits`, `${at}.expect_error`], text: s.expect_error ? `${personLabel(s.actor)}'s edits are refused with ${s.expect_error}` : `${personLabel(s.actor)}'s ${s.edits.length} edit(s) are accepted` });
    }
    (s.checks || []).forEach((c, j) => step.items.push({ paths: [`${at}.checks[${j}]`], remove: [i, "checks", j], edit: c,
      text: `${personLabel(c.subject)} ${c.action} ${resourceLabel(c.resource)}: ${c.error ? `error ${c.error}` : c.allowed ? `allowed${c.level ? ` (${c.level})` : ""}` : "not allowed"}` }));
    (s.who || []).forEach((w, j) => step.items.push({ paths: [`${at}.who[${j}]`], remove: [i, "who", j], text: `who may ${w.action} on ${resourceLabel(w.resource)}: exactly ${w.subjects.map(personLabel).join(", ") || "nobody"}` }));
    for (const part of ["includes", "excludes"]) {
      (s.lint?.[part] || []).forEach((f, j) => step.items.push({ paths: [`${at}.lint.${part}[${j}]`], remove: [i, "lint", j, part], text: `lint ${part === "includes" ? "has" : "does not have"} ${f.code} on ${f.target}` }));
      (s.diff?.[part] || []).forEach((d, j) => step.items.push({ paths: [`${at}.diff.${part}[${j}]`], remove: [i, "diff", j, part],
        text: part === "includes" ? `the diff has ${personLabel(d.subject)} on ${resourceLabel(d.resource)}${d.before || d.after ? ` (${d.before || "any"} → ${d.after || "any"})` : ""}` : `the diff leaves ${personLabel(d.subject)} on ${resourceLabel(d.resource)} unchanged` }));
    }
    out.push(step);
  });
  return out;
}

// removeExpectation takes one expectation out of the open scenario: [step, list, index, part?].
function removeExpectation([i, list, j, part]) {
  const step = current.doc.steps[i];
  const arr = part ? step[list][part] : step[list];
  arr.splice(j, 1);
  if (part && !step[list].includes?.length && !step[list].excludes?.length) delete step[list];
  else if (!part && !arr.length) delete step[list];
  edited();
}

// edited notes a change to the open scenario's expectations and runs it again.
function edited() {
  current.text = JSON.stringify(current.doc);
  current.edited = true;
  run();
}

// shareable is the open scenario as a link carries it: a bundled scenario names its bundled
// snapshot; any other carries its snapshot inline (a file name on this computer means nothing
// to the person who opens the link).
function shareable() {
  const bundled = new URL("examples/scenarios/", location.href).href;
  if (current.doc.snapshot || (current.url || "").startsWith(bundled) || !current.snapshotText) return current.doc;
  const { snapshot_file, ...rest } = current.doc;
  return { ...rest, snapshot: JSON.parse(current.snapshotText) };
}

// checkForm adds a check to a step of the open scenario, or replaces one (editing it).
function checkForm(panel, steps, was) {
  const stepSel = h("select", { id: "add-check-step" }, steps.map((s, i) => h("option", { value: String(i) }, `${i + 1}. ${s.note}`)));
  const formError = h("p", { class: "no wide", role: "alert" });
  const subject = h("input", { id: "add-check-subject", size: "26", autocomplete: "off", required: true, value: was ? personLabel(was.check.subject) : "" });
  const action = h("input", { id: "add-check-action", size: "18", autocomplete: "off", required: true, value: was?.check.action || "read" });
  const resource = h("input", { id: "add-check-resource", size: "36", autocomplete: "off", required: true, value: was ? resourceLabel(was.check.resource) : "" });
  const expect = h("select", { id: "add-check-expect" }, h("option", { value: "allowed" }, "allowed"), h("option", { value: "denied" }, "not allowed"),
    h("option", { value: "unknown_reference" }, "an error: unknown_reference"), h("option", { value: "invalid_value" }, "an error: invalid_value"));
  suggest(subject, document.getElementById("people-list"), peopleItems);
  suggest(resource, document.getElementById("pages-list"), resourceItems);
  const actions = h("datalist", { id: "add-check-actions" });
  suggest(action, actions, actionItems, 100);
  const level = h("select", { id: "add-check-level" }, ["", "reader", "editor", "full", "none", "denied"].map((l) => h("option", { value: l }, l || "(any level)")));
  if (was) {
    stepSel.value = String(was.at[0]);
    const c = was.check;
    expect.value = c.error || (c.allowed ? "allowed" : "denied");
    level.value = c.level || "";
  }
  const form = h("form", { id: "add-check", class: "grid-form", onsubmit: (e) => {
    e.preventDefault();
    let c;
    try { c = { subject: readPerson(subject.value), action: action.value.trim(), resource: readResource(resource.value, "Page or target", action.value.trim()) }; } catch (err) {
      return clear(formError, err.message);
    }
    if (expect.value === "allowed" || expect.value === "denied") c.allowed = expect.value === "allowed"; else c.error = expect.value;
    if (level.value && c.error === undefined) c.level = level.value;
    const step = current.doc.steps[Number(stepSel.value)];
    if (was) current.doc.steps[was.at[0]].checks.splice(was.at[2], 1, c);
    else (step.checks ||= []).push(c);
    if (was && Number(stepSel.value) !== was.at[0]) { current.doc.steps[was.at[0]].checks.splice(was.at[2], 1); (step.checks ||= []).push(c); }
    edited();
    renderScenarios(panel);
  } },
  h("h4", { class: "wide" }, was ? "Change this check" : "Add a check"), actions,
  ...field("Step", stepSel), ...field("Person", subject, "required: a name, NT login or Person ID"), ...field("Action", action, "required"),
  ...field("Page or target", resource, "required: a page title, unit, agency or person"), ...field("Expected", expect), ...field("Level", level),
  formError, h("div", { class: "wide row" }, h("button", { class: "primary", id: "add-check-save" }, was ? "Save the check" : "Add the check"),
    was ? h("button", { type: "button", onclick: () => renderScenarios(panel) }, "Cancel") : null));
  return form;
}

// showLink puts a share link where the person can copy it, with its length.
function showLink(out, link, id) {
  const input = h("input", { id, readonly: true, value: link, size: "80", "aria-label": "Share link" });
  clear(out, h("div", { class: "row" }, input,
    h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(link) }, "Copy")),
  h("p", { class: "hint" }, `${link.length} characters${link.length > 30000 ? ": long; some mail programs cut links this long — send the file instead" : ""}. The scenario travels inside the link; no server keeps it.`));
  input.select();
}

export function renderScenarios(panel) {
  panelEl = panel;
  const parts = [h("h2", {}, "Scenario files")];
  const picker = h("input", { type: "file", id: "scenario-file", accept: ".json,application/json" });
  picker.addEventListener("change", async () => {
    const f = picker.files[0];
    if (!f) return;
    let doc;
    try { doc = JSON.parse(await f.text()); } catch (err) { return alert(`${f.name} is not JSON: ${err.message}`); }
    if (doc.format === "connsec.scenario/v1") openScenario(doc, f.name, "");
    else if (current && doc.format === "connsec.snapshot/v1") { current.snapshotText = JSON.stringify(doc); await loadSnapshot(current.snapshotText, f.name); run(); renderScenarios(panel); }
  });
  parts.push(h("div", { class: "row" }, ...field("Open a scenario file (or the snapshot file a scenario names)", picker),
    h("span", { class: "hint" }, "The bundled scenarios are listed under Open.")));

  if (current) {
    const d = current.doc, r = current.result;
    parts.push(h("h3", { id: "scenario-title" }, d.title || current.source), d.description ? h("p", {}, d.description) : null);
    if (current.error) parts.push(h("p", { class: "error", role: "alert" }, current.error));
    if (!current.snapshotText && state.doc) {
      parts.push(h("button", { type: "button", onclick: () => { run(); renderScenarios(panel); } }, "Run it against the open snapshot"));
    }
    if (r) {
      const failed = new Map();
      for (const f of r.failures) failed.set(f.path, f);
      const none = r.passed + r.failed === 0;
      parts.push(h("p", { id: "scenario-result", class: `verdict ${r.failed || none ? "no" : "ok"}` },
        none ? "0 passed, 0 failed: this scenario checks nothing yet — add a check below" : `${r.passed} passed, ${r.failed} failed`),
        h("button", { type: "button", id: "scenario-rerun", onclick: () => { run(); renderScenarios(panel); } }, "Run again"));
      const steps = expectations(d);
      parts.push(h("ol", { class: "expect", id: "expectations" }, steps.map((s) => h("li", {}, h("strong", {}, s.note),
        h("ul", { class: "plain" }, s.items.map((it) => {
          const f = it.paths.map((p) => failed.get(p)).find(Boolean);
          return h("li", { class: f ? "no" : "ok", "data-result": f ? "fail" : "pass" }, f ? "✗ fail: " : "✓ pass: ", it.text,
            it.edit ? h("button", { type: "button", class: "link", "data-edit": it.paths[0], "aria-label": `Change: ${it.text}`, onclick: () => { editing = { at: it.remove, check: it.edit }; renderScenarios(panel); } }, " change") : null,
            it.remove ? h("button", { type: "button", class: "link", "data-remove": it.paths[0], "aria-label": `Remove: ${it.text}`, onclick: () => { removeExpectation(it.remove); renderScenarios(panel); } }, " remove") : null,
            f ? h("div", { class: "hint" }, f.message) : null);
        }))))));
    }
    if (current.doc.steps?.length) {
      parts.push(checkForm(panel, expectations(d), editing));
      editing = null;
      const linkOut = h("div", { id: "share-open-out" });
      parts.push(h("div", { class: "row" },
        h("button", { type: "button", id: "download-open", onclick: () => download(`${(d.title || "scenario").replace(/[^\w-]+/g, "-").toLowerCase()}.json`, JSON.stringify(current.doc, null, 1) + "\n") },
          current.edited ? "Download the changed scenario file" : "Download this scenario file"),
        h("button", { type: "button", id: "share-open", onclick: async () => showLink(linkOut, await shareLink(shareable()), "share-open-link") }, "Make a share link for this scenario")),
      linkOut);
    }
  }

  // saving: the batch being composed and the checks kept in the checker
  if (state.doc) {
    const title = h("input", { id: "save-title", size: "40", value: "My scenario" });
    const desc = h("input", { id: "save-desc", size: "60", value: "" });
    const note = h("input", { id: "save-note", size: "60", value: "The coordinator's batch" });
    const linkOut = h("div", { id: "share-out" });
    // the kept checks were answered on the open snapshot, so they come first, in a step of
    // their own; the batch follows (a trainer adds the checks that should hold after it)
    const build = (forLink) => {
      const steps = [];
      if (state.checks.length) steps.push({ note: "Before the batch", checks: state.checks });
      if (state.batch.edits.length) steps.push({ note: note.value, actor: state.batch.actor, edits: state.batch.edits });
      const doc = { format: "connsec.scenario/v1", title: title.value, description: desc.value || undefined };
      // the bundled example, unchanged, is named rather than carried: the link stays short
      const example = new URL("examples/example/snapshot.json", location.href).href;
      if (forLink && state.url === example && state.doc.version === 0) doc.snapshot_file = "../example/snapshot.json";
      else doc.snapshot = JSON.parse(state.text);
      doc.steps = steps;
      return doc;
    };
    const empty = !state.checks.length && !state.batch.edits.length;
    parts.push(h("h3", {}, "Save the current batch and kept checks as a scenario"),
      h("p", { class: "hint" }, `${state.batch.edits.length} queued edit(s) acted by ${state.batch.actor || "nobody yet"}; ${state.checks.length} kept check(s) (keep them in the checker; they are judged before the batch). The file carries the open snapshot.`),
      h("div", { class: "grid-form" }, ...field("Title", title), ...field("Description", desc), ...field("Step note", note)),
      empty ? h("p", { class: "hint", id: "save-empty" }, "Nothing to save yet: queue edits in What-if, or keep checks in Check. A scenario with nothing in it checks nothing.") : null,
      h("div", { class: "row" },
        h("button", { type: "button", id: "save-scenario", class: "primary", disabled: empty, onclick: () => download(`${title.value.replace(/[^\w-]+/g, "-").toLowerCase() || "scenario"}.json`, JSON.stringify(build(false), null, 1) + "\n") }, "Download the scenario file"),
        h("button", { type: "button", id: "share-scenario", disabled: empty, onclick: async () => showLink(linkOut, await shareLink(build(true)), "share-link") }, "Make a share link")),
      linkOut);
  }
  clear(panel, parts);
}
