// Browse: agencies → units → staff (with each worker's business function profile), and the
// page tree with each page's effective section and where it comes from (the module's
// section method, SPEC §3).
import { must, call } from "./engine.js";
import { state, isActive, personLabel, pageLabel } from "./state.js";
import { h, clear, suggest } from "./ui.js";
import { profileView } from "./reports.js";
import { selectTab } from "./app.js";
import { prefillCheck } from "./check.js";
import { prefillWho } from "./lists.js";
import { workerTasks, pageTasks } from "./tasks.js";
import { readPage } from "./names.js";

let sel = { agency: null, unit: null, person: null, page: null };

export function renderBrowse(panel) {
  const ix = state.index;
  if (!ix.agencies.some((a) => a.id === sel.agency)) sel = { agency: ix.agencies[0]?.id, unit: null, person: null, page: null };
  const agencyList = h("div", { class: "pick", id: "agency-list", "aria-label": "Agencies" });
  const unitList = h("div", { class: "pick", id: "unit-list", "aria-label": "Units" });
  const staffList = h("div", { class: "pick", id: "staff-list", "aria-label": "Staff" });
  const agencyInfo = h("div", { id: "agency-info" });
  const profile = h("div", { id: "browse-profile", "aria-live": "polite" });
  const tree = h("div", { class: "tree", id: "page-tree", "aria-label": "Pages" });
  const section = h("div", { id: "page-section", "aria-live": "polite" });
  const find = h("input", { type: "search", id: "page-find", placeholder: "part of a title, or an id", size: "36" });
  const pagesList = document.getElementById("pages-list");
  suggest(find, pagesList, function* () { for (const [id, p] of ix.pages) if (p.agency === sel.agency || !sel.agency) yield { key: `${p.page.title || id} (${id})`, label: p.page.kind }; });
  const findError = h("span", { class: "no", role: "alert" });
  find.addEventListener("change", () => {
    findError.textContent = "";
    let id;
    try { id = readPage(find.value, "Find a page"); } catch (err) { findError.textContent = err.message; return; }
    // a second change event (on blur) must not draw the page again under the pointer
    if (id !== sel.page) showPage(id, true);
  });

  clear(panel,
    h("h2", {}, "Agencies, units and staff"),
    h("div", { class: "cols3" },
      h("div", {}, h("h3", {}, "Agencies"), agencyList, agencyInfo),
      h("div", {}, h("h3", {}, "Units"), unitList),
      h("div", {}, h("h3", {}, "Staff ", h("span", { class: "hint" }, "active on the snapshot's day; out-assigned marked")), staffList)),
    profile,
    h("h2", {}, "Pages and their security"),
    h("div", { class: "row" }, h("label", { for: "page-find" }, "Find a page"), find, findError),
    h("div", { class: "cols" }, tree, section));

  function drawAgencies() {
    clear(agencyList, ix.agencies.map((a) => h("button", { type: "button", "aria-pressed": String(a.id === sel.agency),
      onclick: () => { sel = { agency: a.id, unit: null, person: null, page: null }; drawAgencies(); drawUnits(); drawStaff(); drawTree(); clear(profile); clear(section); } },
    a.name, h("span", { class: "kind" }, ` ${a.id}`))));
    const a = ix.agencies.find((x) => x.id === sel.agency);
    if (!a) return;
    const names = (list) => (list || []).map(personLabel).join(", ") || "none";
    clear(agencyInfo, h("dl", {},
      h("dt", {}, "Coordinators"), h("dd", {}, (a.coordinators || []).map((c) => `${personLabel(c.person)} — ${c.role}`).join("; ") || "none"),
      h("dt", {}, "Organization editors"), h("dd", {}, names(a.org_editors)),
      h("dt", {}, "Organization leaders"), h("dd", {}, names(a.org_leaders)),
      h("dt", {}, "Custom groups"), h("dd", {}, (a.groups || []).map((g) => `${g.name} (${g.id}): ${g.members.length} ${g.members.length === 1 ? "member" : "members"}`).join("; ") || "none")));
  }

  const day = () => state.doc.as_of;
  function membersOf(a, unitId) {
    const out = [];
    for (const s of a.staff || []) {
      if (!isActive(s, day())) continue;
      if (s.unit === unitId) out.push({ s, out: false });
      else if ((s.out_assignments || []).some((o) => o.unit === unitId && isActive(o, day()))) out.push({ s, out: true });
    }
    return out;
  }

  function drawUnits() {
    const a = ix.agencies.find((x) => x.id === sel.agency);
    clear(unitList, (a?.units || []).map((u) => {
      const n = membersOf(a, u.id).length;
      return h("button", { type: "button", "aria-pressed": String(u.id === sel.unit), "data-unit": u.id,
        onclick: () => { sel.unit = u.id; sel.person = null; drawUnits(); drawStaff(); } },
      u.name, h("span", { class: "kind" }, ` ${u.specialization || ""}${u.temporary ? " temporary" : ""} · ${n} active`));
    }));
  }

  function drawStaff() {
    const a = ix.agencies.find((x) => x.id === sel.agency);
    if (!a || !sel.unit) return clear(staffList, h("p", { class: "muted" }, "Choose a unit."));
    const members = membersOf(a, sel.unit);
    const u = ix.units.get(sel.unit);
    clear(staffList,
      h("p", { class: "hint" }, `Approver: ${u.approver ? personLabel(u.approver) : "none"}; editors: ${(u.editors || []).map(personLabel).join(", ") || "none"}; leaders: ${(u.leaders || []).map(personLabel).join(", ") || "none"}`),
      members.length ? members.map(({ s, out }) => h("button", { type: "button", "aria-pressed": String(s.person === sel.person), "data-person": s.person,
        onclick: () => { sel.person = s.person; drawStaff(); showProfile(s.person); } },
      personLabel(s.person), h("span", { class: "kind" }, ` ${(s.functions || []).join(", ")}${out ? " · out-assigned" : ""}`))) : h("p", { class: "muted" }, "No active staff."));
  }

  function showProfile(person) {
    const r = call("profile", { person });
    if (!r.ok) return clear(profile, h("p", { class: "error" }, r.error.message));
    const tasks = h("div", { id: "worker-task-box" });
    clear(profile, h("h3", {}, `Business function profile: ${personLabel(person)}`), profileView(r.result),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => { prefillCheck({ subject: person }); selectTab("check"); } }, "Check this person's access"),
        h("button", { type: "button", onclick: () => { prefillWho({ person }); selectTab("lists"); } }, "What can this person access?")),
      tasks);
    workerTasks(tasks, sel.agency, person);
  }

  // ---- the page tree: only opened branches are drawn; long branches come 200 at a time ----
  // Each page shows where its security comes from: its own, a live default section of the
  // page that owns it (with an arrow to that page), or the page it follows; a page whose own
  // security differs from the defaults it would be given (lint differs_from_defaults) is
  // flagged with what propagation would change.
  const open = new Set();
  let differs = null; // page id → the lint finding's words, read once per drawn snapshot
  const differsOf = (id) => {
    if (!differs) {
      differs = new Map();
      for (const f of call("lint").result || []) if (f.code === "differs_from_defaults") differs.set(f.target.replace(/^page:/, ""), f.message);
    }
    return differs.get(id);
  };
  function source(id) {
    const s = call("section", { page: id }).result;
    if (!s) return null;
    const owner = ix.pages.get(s.owner)?.page;
    if (s.owner === id) {
      const d = differsOf(id);
      return h("span", { class: "src src-own", title: d || "its own security" }, "own", d ? h("span", { class: "src-differs", "aria-label": `differs from its defaults: ${d}` }, " ⚑ differs") : null);
    }
    const reveal = h("button", { type: "button", class: "src-arrow", "aria-label": `Go to ${owner?.title || s.owner}, whose section governs it`, onclick: () => showPage(s.owner, true) }, "↑");
    return s.live
      ? h("span", { class: "src src-live", title: s.from }, `live default “${s.section}” of ${owner?.title || s.owner} `, reveal)
      : h("span", { class: "src src-follows", title: s.from }, `follows ${owner?.title || s.owner} `, reveal);
  }
  function node(id) {
    const p = ix.pages.get(id).page;
    const kids = ix.children.get(id) || [];
    const li = h("li", { "data-page": id });
    const toggle = kids.length
      ? h("button", { type: "button", class: "toggle", "aria-expanded": String(open.has(id)), "aria-label": `${open.has(id) ? "Close" : "Open"} ${p.title || id}`,
        onclick: () => { open.has(id) ? open.delete(id) : open.add(id); li.replaceWith(node(id)); } }, open.has(id) ? "▾" : "▸")
      : h("span", { class: "toggle", "aria-hidden": "true" }, "·");
    li.append(h("div", { class: "node" }, toggle,
      h("button", { type: "button", class: "title", "aria-current": String(id === sel.page), onclick: () => showPage(id) }, p.title || id),
      h("span", { class: "kind" }, `${p.kind} · ${id}`), source(id)));
    if (kids.length && open.has(id)) li.append(branch(kids, 200));
    return li;
  }
  function branch(kids, limit) {
    const ul = h("ul", {}, kids.slice(0, limit).map(node));
    if (kids.length > limit) {
      ul.append(h("li", {}, h("button", { type: "button", class: "link", onclick: (e) => e.target.closest("ul").replaceWith(branch(kids, limit + 200)) },
        `Show more (${kids.length - limit} left)`)));
    }
    return ul;
  }
  function drawTree() {
    const a = ix.agencies.find((x) => x.id === sel.agency);
    const roots = (a?.pages || []).filter((p) => !p.parent).map((p) => p.id);
    for (const r of roots) open.add(r);
    clear(tree, branch(roots, 200));
  }

  function showPage(id, reveal) {
    sel.page = id;
    if (reveal) {
      if (ix.pages.get(id).agency !== sel.agency) { sel.agency = ix.pages.get(id).agency; drawAgencies(); drawUnits(); drawStaff(); }
      for (let p = ix.pages.get(id).page.parent; p; p = ix.pages.get(p).page.parent) open.add(p);
    }
    drawTree();
    tree.querySelector(`[data-page="${CSS.escape(id)}"] .title`)?.scrollIntoView({ block: "nearest" });
    const s = must("section", { page: id });
    const where = s.owner === s.page && s.section === "security" ? "its own security"
      : s.section === "security" ? `the security of ${pageLabel(s.owner)}` : `the default section “${s.section}” of ${pageLabel(s.owner)}`;
    const tasks = h("div", { id: "page-task-box" });
    clear(section,
      h("h3", {}, pageLabel(id)),
      h("p", {}, h("strong", {}, "Effective section: "), where,
        s.live ? h("span", { class: "hint" }, " — a live default: changing it changes this page at once") : null),
      s.fixed_rule ? h("p", { class: "notice" }, "A performance report: the fixed rule decides (the given individual and those they report to may read it); the entries do not apply.") : null,
      h("p", { class: "hint", id: "section-from" }, s.from),
      s.entries.length
        ? h("table", { class: "entries", "aria-label": "Entries in force" },
          h("thead", {}, h("tr", {}, h("th", {}, "Principal"), h("th", {}, "Role"), h("th", {}, "May create"))),
          h("tbody", {}, s.entries.map((e) => h("tr", {}, h("td", { class: "mono" }, e.principal), h("td", { class: e.role === "denied" ? "no" : null }, e.role), h("td", {}, e.create.join(", "))))))
        : h("p", { class: "muted" }, "The section is empty: it grants nothing."),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => { prefillCheck({ resource: `page:${id}` }); selectTab("check"); } }, "Check access here"),
        h("button", { type: "button", onclick: () => { prefillWho({ resource: `page:${id}` }); selectTab("lists"); } }, "Who has access?")),
      tasks);
    pageTasks(tasks, id, s);
  }

  drawAgencies();
  drawUnits();
  drawStaff();
  drawTree();
  if (sel.page && ix.pages.has(sel.page)) showPage(sel.page);
}
