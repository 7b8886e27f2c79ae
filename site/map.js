// The access map: a unit's staff × a department's pages, each cell the level the person has
// on the page as a colour (the module's check answers), and, while a batch is queued, the
// same map after the batch (from its what-if diff) with the changed cells marked. A picture
// for the question "who in this unit can do what in that department".
import { call } from "./engine.js";
import { state, isActive } from "./state.js";
import { h, clear, field } from "./ui.js";
import { personLabel, pageLabel } from "./names.js";

const LEVELS = ["none", "denied", "reader", "editor", "full"];
const MAX_PAGES = 40;

// staffOf is the active members of a unit on the snapshot's day (in- and out-assigned).
function staffOf(agency, unit) {
  const day = state.doc.as_of;
  return (agency.staff || []).filter((s) => isActive(s, day) && (s.unit === unit
    || (s.out_assignments || []).some((o) => o.unit === unit && isActive(o, day)))).map((s) => s.person);
}

// pagesUnder is the page and the pages below it, depth first, at most MAX_PAGES.
function pagesUnder(root) {
  const out = [], stack = [root];
  while (stack.length && out.length < MAX_PAGES) {
    const id = stack.pop();
    out.push(id);
    stack.push(...(state.index.children.get(id) || []).slice().reverse());
  }
  return out;
}

export function renderMap(el) {
  const ix = state.index;
  const agency = h("select", { id: "map-agency" }, ix.agencies.map((a) => h("option", { value: a.id }, a.name)));
  const unit = h("select", { id: "map-unit" });
  const dept = h("select", { id: "map-dept" });
  const when = h("select", { id: "map-when" }, h("option", { value: "before" }, "now"), h("option", { value: "after" }, "after the queued batch"));
  const out = h("div", { id: "map-out" });
  const fill = () => {
    const a = ix.agencies.find((x) => x.id === agency.value);
    unit.replaceChildren(...(a.units || []).map((u) => h("option", { value: u.id }, u.name)));
    const roots = (a.pages || []).filter((p) => p.kind === "department" || p.kind === "organization");
    dept.replaceChildren(...roots.map((p) => h("option", { value: p.id }, `${p.title} (${p.kind})`)));
    const own = roots.find((p) => p.unit === unit.value);
    if (own) dept.value = own.id;
  };
  agency.addEventListener("change", () => { fill(); draw(); });
  unit.addEventListener("change", () => {
    const own = ix.agencies.find((x) => x.id === agency.value).pages.find((p) => p.kind === "department" && p.unit === unit.value);
    if (own) dept.value = own.id;
    draw();
  });
  dept.addEventListener("change", draw);
  when.addEventListener("change", draw);
  fill();

  function draw() {
    const a = ix.agencies.find((x) => x.id === agency.value);
    const people = staffOf(a, unit.value);
    const pages = pagesUnder(dept.value);
    const after = when.value === "after" && state.whatif?.accepted;
    const changed = new Map();
    if (after) for (const c of state.whatif.access) changed.set(`${c.subject}|${c.resource}`, c.after.level);
    if (when.value === "after" && !after) {
      return clear(out, h("p", { class: "muted" }, state.batch.edits.length ? "The queued batch would be refused: the map after it cannot be drawn." : "No batch is queued: queue edits in What-if to see the map after them."));
    }
    const cell = (person, pageId) => {
      const r = call("check", { subject: person, action: "read", resource: `page:${pageId}` });
      const now = r.ok ? (r.result.level || (r.result.allowed ? "reader" : "none")) : "none";
      const key = `${person}|page:${pageId}`;
      const level = after && changed.has(key) ? changed.get(key) : now;
      return h("td", { class: `lv lv-${level}${after && changed.has(key) ? " lv-changed" : ""}`, title: `${personLabel(person)} on ${pageLabel(pageId)}: ${level}${after && changed.has(key) ? ` (now ${now})` : ""}`, "data-level": level }, level === "none" ? "" : level[0].toUpperCase());
    };
    clear(out,
      h("p", { class: "hint" }, `${people.length} active staff × ${pages.length} ${pages.length === 1 ? "page" : "pages"}${pages.length === MAX_PAGES ? ` (the first ${MAX_PAGES} below the department)` : ""}. Each cell is the person's level on the page: R reader, E editor, F full, D denied, empty none.${after ? " Outlined cells change with the batch." : ""}`),
      h("div", { class: "legend" }, LEVELS.map((l) => h("span", { class: `lv lv-${l}` }, l))),
      people.length ? h("div", { class: "map-scroll" }, h("table", { class: "map", "aria-label": "Access map" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Person \\ page"), pages.map((p) => h("th", { scope: "col", class: "map-page", title: pageLabel(p) }, h("span", {}, ix.pages.get(p)?.page.title || p))))),
        h("tbody", {}, people.map((person) => h("tr", {}, h("th", { scope: "row" }, personLabel(person)), pages.map((p) => cell(person, p))))))) : h("p", { class: "muted" }, "No active staff in this unit."));
  }
  clear(el, h("h3", { class: "wide" }, "Access map: a unit's staff × a department's pages"),
    h("div", { class: "row" }, ...field("Agency", agency), ...field("Unit", unit), ...field("Pages of", dept), ...field("When", when)), out);
  draw();
}
