// Who has access to this page, and what can this person access (SPEC §8 who/what): the
// module's answers in a filterable, sortable, exportable virtual table.
import { call } from "./engine.js";
import { state } from "./state.js";
import { h, clear, field, suggest } from "./ui.js";
import { dataTable } from "./table.js";
import { actionItems, resourceItems, peopleItems, prefillCheck } from "./check.js";
import { readPerson, readResource, personLabel, resourceLabel } from "./names.js";
import { renderMap } from "./map.js";
import { selectTab } from "./app.js";

let pre = {};
export function prefillWho(values) { pre = values; }

export function renderLists(panel) {
  const firstPage = state.index.pages.keys().next().value;
  const whoAction = h("input", { id: "who-action", value: "read", size: "20", autocomplete: "off" });
  const whoResource = h("input", { id: "who-resource", value: resourceLabel(pre.resource || `page:${firstPage}`), size: "40", autocomplete: "off" });
  const whatPerson = h("input", { id: "what-person", value: personLabel(pre.person || state.index.agencies[0]?.staff?.[0]?.person || ""), size: "26", autocomplete: "off" });
  const whatAction = h("input", { id: "what-action", value: "read", size: "20", autocomplete: "off" });
  const actions = h("datalist", { id: "list-actions" });
  suggest(whoAction, actions, actionItems, 100);
  suggest(whatAction, actions, actionItems, 100);
  suggest(whoResource, document.getElementById("pages-list"), resourceItems);
  suggest(whatPerson, document.getElementById("people-list"), peopleItems);
  const title = h("h3", { id: "list-title" });
  const note = h("p", { class: "hint", id: "list-note" });
  const tableEl = h("div", { id: "list-table" });
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const mapEl = h("section", { id: "access-map", "aria-label": "Access map" });

  clear(panel, h("h2", {}, "Who has access, and to what"), actions,
    h("div", { class: "cols" },
      h("form", { class: "grid-form", onsubmit: (e) => { e.preventDefault(); who(); } },
        h("h3", { class: "wide" }, "Who has access to…"),
        field("Action", whoAction), field("Page or target", whoResource),
        h("div", { class: "wide" }, h("button", { class: "primary", id: "who-run" }, "List the people"))),
      h("form", { class: "grid-form", onsubmit: (e) => { e.preventDefault(); what(); } },
        h("h3", { class: "wide" }, "What can this person access?"),
        field("Person", whatPerson), field("Action", whatAction, "a page action"),
        h("div", { class: "wide" }, h("button", { class: "primary", id: "what-run" }, "List the pages")))),
    err, title, note, tableEl, mapEl);
  renderMap(mapEl);

  function show(r, t0, label, columns, name) {
    const ms = performance.now() - t0;
    err.hidden = r.ok;
    if (!r.ok) { err.textContent = `${r.error.code}: ${r.error.message}`; return; }
    title.textContent = label;
    note.textContent = `${r.result.length} rows, answered by the evaluator in ${Math.round(ms)} ms. Sort by a column heading; Enter or a click on a row shows every reason; the export takes the rows shown.`;
    // a row opens the full decision, with every reason, in the checker
    const action = name === "who" ? whoAction.value.trim() : whatAction.value.trim();
    const onRow = (row) => { prefillCheck({ subject: row.person, action, resource: row.page ? `page:${row.page}` : readResource(whoResource.value) }); selectTab("check"); };
    dataTable(tableEl, columns, { name, label, onRow }).setRows(r.result);
  }
  // named reads what a person typed, or shows why it names nothing
  function named(read, input) {
    try { return read(input.value); } catch (e) { err.hidden = false; err.textContent = e.message; return null; }
  }
  function who() {
    const t0 = performance.now();
    const resource = named((t) => readResource(t, "Page or target", whoAction.value.trim()), whoResource);
    if (!resource) return;
    const r = call("who", { action: whoAction.value.trim(), resource });
    show(r, t0, `Who may ${whoAction.value} on ${resourceLabel(resource)}`, [
      { key: "person", label: "Person", width: "8rem" }, { key: "name", label: "Name", width: "12rem" },
      { key: "level", label: "Level", width: "5rem" }, { key: "reason", label: "Why", width: "1fr" }], "who");
  }
  function what() {
    const t0 = performance.now();
    const person = named(readPerson, whatPerson);
    if (!person) return;
    const r = call("what", { person, action: whatAction.value.trim() });
    show(r, t0, `Pages ${personLabel(person)} may ${whatAction.value}`, [
      { key: "page", label: "Page", width: "12rem" }, { key: "title", label: "Title", width: "16rem" },
      { key: "level", label: "Level", width: "5rem" }, { key: "reason", label: "Why", width: "1fr" }], "what");
  }
  if (pre.person) what(); else who();
  pre = {};
}
