// The guided forms of the what-if: one per coordinator process of SPEC §5, each turning its
// fields into one edit (or, for a process made of several ops, the edits in their order).
// The forms only shape edits; whether an edit is allowed is the module's answer.
import { state, creatable, defaultKinds, allKinds } from "./state.js";
import { h, uid, suggest, clear } from "./ui.js";
import { peopleChoices, pageChoices, principalChoices, readPerson, readNewPerson, readPeople, readPage, readUnit, readPrincipal,
  personLabel, pageLabel, unitLabel, principalLabel, nextPersonId, sameNameOrLogin } from "./names.js";

const opt = true;
// Field: [name, type, label, optional?, extra]. A dotted name nests (unit.id → {unit: {id}}).
export const OPS = [
  { group: "Staff", id: "add_staff", label: "New staff (add to the agency)", fields: [["agency", "agency", "Agency"], ["name", "text", "Name (a new person)", opt], ["nt_account", "text", "NT login (a new person)", opt], ["person", "newperson", "Person ID (proposed for a new person; or a returning person's name)"], ["start", "date", "Start", opt]] },
  { group: "Staff", id: "hire", label: "Hire a new worker (add, place in a unit, give functions)", fields: [["agency", "agency", "Agency"], ["name", "text", "Name"], ["nt_account", "text", "NT login"], ["person", "newperson", "Person ID (proposed: the next free one)"], ["unit", "unit", "Unit"], ["functions", "functions", "Business functions", opt], ["start", "date", "Start", opt]],
    build: (v) => [
      { op: "add_staff", agency: v.agency, person: v.person, name: v.name, nt_account: v.nt_account, ...(v.start ? { start: v.start } : {}) },
      { op: "move_staff", agency: v.agency, person: v.person, unit: v.unit },
      ...(v.functions?.length ? [{ op: "assign_functions", agency: v.agency, person: v.person, functions: v.functions }] : []),
    ] },
  { group: "Staff", id: "move_staff", label: "Move to another unit (transfer within the agency)", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["unit", "unit", "New unit"]] },
  { group: "Staff", id: "move_agency", label: "Move to another agency", fields: [["from", "agency", "Leaving agency"], ["person", "person", "Person"], ["end", "date", "Last day + 1 (end)", opt], ["agency", "agency", "New agency"], ["unit", "unit", "Unit in the new agency"], ["functions", "functions", "Functions in the new agency", opt]],
    build: (v) => [
      { op: "end_date_staff", agency: v.from, person: v.person, ...(v.end ? { end: v.end } : {}) },
      { op: "add_staff", agency: v.agency, person: v.person },
      { op: "move_staff", agency: v.agency, person: v.person, unit: v.unit },
      ...(v.functions?.length ? [{ op: "assign_functions", agency: v.agency, person: v.person, functions: v.functions }] : []),
    ] },
  { group: "Staff", id: "end_date_staff", label: "End-date (the worker leaves)", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["end", "date", "End (exclusive)", opt]] },
  { group: "Staff", id: "set_person_id", label: "Disable or delete a Person ID (or set it active)", fields: [["person", "person", "Person"], ["status", "choice", "Status", false, ["disabled", "deleted", "active"]]] },
  { group: "Staff", id: "reinstate_staff", label: "Reinstate (the worker returns)", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"]] },
  { group: "Staff", id: "assign_functions", label: "Assign business functions", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["functions", "functions", "Functions"]] },
  { group: "Staff", id: "remove_functions", label: "Remove business functions", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["functions", "functions", "Functions"]] },
  { group: "Staff", id: "add_out_assignment", label: "Out-assign to another unit", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["unit", "unit", "Unit"], ["start", "date", "Start", opt], ["end", "date", "End", opt]] },
  { group: "Staff", id: "end_out_assignment", label: "End an out-assignment", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["unit", "unit", "Unit"], ["end", "date", "End", opt]] },
  { group: "Staff", id: "set_reports_to", label: "Set who a worker reports to", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["managers", "people", "Managers"]] },
  { group: "Units", id: "create_unit", label: "Create a unit", fields: [["agency", "agency", "Agency"], ["unit.id", "text", "Unit id"], ["unit.name", "text", "Name"], ["unit.specialization", "text", "Specialization", opt], ["unit.temporary", "bool", "Temporary unit", opt]] },
  { group: "Units", id: "set_unit_specialization", label: "Set a unit's specialization", fields: [["agency", "agency", "Agency"], ["unit", "unit", "Unit"], ["specialization", "text", "Specialization"]] },
  { group: "Units", id: "set_unit_approver", label: "Set a unit's approver", fields: [["agency", "agency", "Agency"], ["unit", "unit", "Unit"], ["approver", "person", "Approver (empty: none)", opt, "null"]] },
  { group: "Units", id: "set_unit_roles", label: "Set a unit's editors and leaders", fields: [["agency", "agency", "Agency"], ["unit", "unit", "Unit"], ["editors", "people", "Editors", opt], ["leaders", "people", "Leaders", opt]] },
  { group: "Units", id: "consolidate_units", label: "Consolidate units", fields: [["agency", "agency", "Agency"], ["from", "units", "Units to merge"], ["into", "unit", "Into"]] },
  { group: "Units", id: "delete_unit", label: "Delete a unit", fields: [["agency", "agency", "Agency"], ["unit", "unit", "Unit"]] },
  { group: "Coordinators", id: "establish_coordinator", label: "Designate a coordinator", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"], ["role", "choice", "Role", false, ["primary", "backup"]]] },
  { group: "Coordinators", id: "remove_coordinator", label: "Remove a coordinator", fields: [["agency", "agency", "Agency"], ["person", "person", "Person"]] },
  { group: "Coordinators", id: "handover", label: "Coordinator handover (new primary, old one removed)", fields: [["agency", "agency", "Agency"], ["new", "person", "New primary"], ["old", "person", "Leaving coordinator"]],
    build: (v) => [{ op: "establish_coordinator", agency: v.agency, person: v.new, role: "primary" }, { op: "remove_coordinator", agency: v.agency, person: v.old }] },
  { group: "Coordinators", id: "record_security_review", label: "Record the security review", fields: [["agency", "agency", "Agency"], ["note", "text", "Note", opt]] },
  { group: "Organization", id: "set_org_roles", label: "Set organization editors and leaders", fields: [["agency", "agency", "Agency"], ["editors", "people", "Editors", opt], ["leaders", "people", "Leaders", opt]] },
  { group: "Organization", id: "create_group", label: "Create a custom group", fields: [["agency", "agency", "Agency"], ["group.id", "text", "Group id"], ["group.name", "text", "Name"], ["group.members", "people", "Members", opt]] },
  { group: "Organization", id: "set_group_members", label: "Set a group's members", fields: [["agency", "agency", "Agency"], ["group", "group", "Group"], ["members", "people", "Members"]] },
  { group: "Organization", id: "delete_group", label: "Delete a custom group", fields: [["agency", "agency", "Agency"], ["group", "group", "Group"]] },
  { group: "Pages", id: "create_page", label: "Create a page", fields: [["page.parent", "page", "Parent page"], ["page.kind", "childkind", "Kind"], ["page.id", "text", "Page id"], ["page.title", "text", "Title"], ["page.unit", "unit", "Unit (department)", opt], ["page.person", "person", "Person (individual)", opt], ["page.owners", "people", "Owners (metric)", opt], ["page.responsible", "people", "Responsible (task)", opt], ["page.roles.sponsor", "people", "Sponsors (project)", opt], ["page.roles.leader", "people", "Leaders (project)", opt], ["page.roles.member", "people", "Members (project)", opt], ["page.roles.consultant", "people", "Consultants (project)", opt]] },
  { group: "Pages", id: "delete_page", label: "Delete a page", fields: [["page", "page", "Page"]] },
  { group: "Pages", id: "set_page_people", label: "Set a page's owners, responsible or project roles", fields: [["page", "page", "Page"], ["owners", "people", "Owners (metric)", opt], ["responsible", "people", "Responsible (task)", opt], ["roles.sponsor", "people", "Sponsors", opt], ["roles.leader", "people", "Leaders", opt], ["roles.member", "people", "Members", opt], ["roles.consultant", "people", "Consultants", opt]] },
  { group: "Security", id: "set_security", label: "Edit a page's security entries", fields: [["page", "securepage", "Page"], ["entries", "entries", "Entries"]] },
  { group: "Security", id: "set_default_security", label: "Edit a default security section", fields: [["page", "securepage", "Page"], ["kind", "defaultkind", "Default section for"], ["entries", "entries", "Entries"]] },
  { group: "Security", id: "propagate_defaults", label: "Propagate a default section to existing pages", fields: [["page", "securepage", "Page"], ["kind", "defaultkind", "Kind"]] },
  { group: "Security", id: "set_site_defaults", label: "Set a site template (administrators)", fields: [["kind", "choice", "Template", false, ["department", "individual"]], ["template", "json", "Template {security, defaults}"]] },
  { group: "Agencies", id: "create_agency", label: "Create an agency (administrators)", fields: [["agency.id", "text", "Agency id"], ["agency.name", "text", "Name"], ["org_page.id", "text", "Organization page id"], ["org_page.title", "text", "Organization page title"]] },
  { group: "Agencies", id: "import_build", label: "Import a build's functions (administrators)", fields: [["build.id", "text", "Build id"], ["build.date", "date", "Date"], ["build.notes", "text", "Notes", opt], ["functions", "json", "Functions (list of business function objects)"]] },
  { group: "Other", id: "raw", label: "Any edit, written as JSON", fields: [["edit", "json", "Edit {\"op\": …}"]], build: (v) => [v.edit] },
];

const ROLES = ["reader", "editor", "full", "denied", "not_set"];

// quietly is what a field names, or undefined while it names nothing yet (for the fields
// that depend on another: the kinds under a parent page, the entries of a page)
function quietly(read, text) { try { return read(text); } catch { return undefined; } }

// opForm builds the form of one op; values prefill it. It returns {el, edits()} where
// edits() reads the fields (throwing an Error naming a field left empty or malformed).
export function opForm(op, values = {}) {
  const ix = state.index;
  const controls = {};
  const rows = [];
  const pageIn = (name) => controls[name] && quietly(readPage, controls[name].value);
  const agencyOf = () => controls.agency?.value || controls.from?.value || ix.pages.get(pageIn("page") || pageIn("page.parent"))?.agency || ix.agencies[0]?.id;
  const pageKind = (name) => ix.pages.get(pageIn(name))?.page.kind;
  const refreshers = [];

  for (const [name, type, label, optional, extra] of op.fields) {
    const id = uid("op");
    let c;
    const v = values[name];
    switch (type) {
      case "agency":
        c = h("select", { id }, ix.agencies.map((a) => h("option", { value: a.id }, `${a.name} (${a.id})`)));
        if (v) c.value = v;
        c.addEventListener("change", () => refreshers.forEach((f) => f()));
        break;
      case "unit": case "group": {
        c = h("select", { id });
        const fill = () => {
          const a = ix.agencies.find((x) => x.id === agencyOf());
          const items = type === "unit" ? (a?.units || []) : (a?.groups || []);
          c.replaceChildren(...(optional ? [h("option", { value: "" }, "—")] : []), ...items.map((u) => h("option", { value: u.id }, `${u.name} (${u.id})`)));
          if (v && items.some((u) => u.id === v)) c.value = v;
        };
        fill();
        refreshers.push(fill);
        break;
      }
      case "functions":
        c = h("select", { id, multiple: true, size: "6" }, ix.functions.map((f) => h("option", { value: f.code, selected: (v || []).includes(f.code) }, `${f.code} — ${f.name}${f.restricted ? " (restricted)" : ""}`)));
        break;
      case "choice":
        c = h("select", { id }, extra.map((x) => h("option", { value: x }, x)));
        if (v) c.value = v;
        break;
      case "bool":
        c = h("input", { id, type: "checkbox", checked: !!v });
        break;
      case "date":
        c = h("input", { id, type: "date", value: v || "" });
        break;
      case "json":
        c = h("textarea", { id, rows: "6", cols: "60", spellcheck: "false" }, v ? JSON.stringify(v, null, 1) : "");
        break;
      case "people":
        c = h("input", { id, size: "44", value: Array.isArray(v) ? v.map(personLabel).join("; ") : v || "", placeholder: "names, NT logins or ids, separated by semicolons" });
        break;
      case "units":
        c = h("input", { id, size: "44", value: Array.isArray(v) ? v.map(unitLabel).join("; ") : v || "", placeholder: "unit names or ids, separated by semicolons" });
        break;
      case "childkind": {
        c = h("select", { id });
        const fill = () => {
          const kinds = creatable(pageKind("page.parent") || "organization");
          c.replaceChildren(...kinds.map((k) => h("option", { value: k }, k)));
          if (v && kinds.includes(v)) c.value = v;
        };
        fill();
        refreshers.push(fill);
        break;
      }
      case "defaultkind": {
        c = h("select", { id });
        const fill = () => {
          const kinds = defaultKinds[pageKind("page")] || [];
          c.replaceChildren(...kinds.map((k) => h("option", { value: k }, k)));
          if (v && kinds.includes(v)) c.value = v;
        };
        fill();
        refreshers.push(fill);
        c.addEventListener("change", () => refreshers.forEach((f) => f !== fill && f()));
        break;
      }
      case "entries":
        c = entriesEditor(() => {
          const page = pageIn("page");
          const pg = ix.pages.get(page)?.page;
          if (!pg) return { kinds: allKinds, entries: [] };
          if (op.id === "set_default_security") {
            const k = controls.kind?.value;
            return { kinds: creatable(k), entries: pg.defaults?.[k] || [] };
          }
          return { kinds: creatable(pg.kind), entries: pg.security || [] };
        }, v);
        refreshers.push(() => c.refill());
        break;
      default: { // person, newperson, page, securepage, text
        const shown = type === "person" ? personLabel(v ?? "") : type === "page" || type === "securepage" ? pageLabel(v ?? "")
          : type === "newperson" ? v ?? nextPersonId() : v ?? "";
        c = h("input", { id, size: "30", value: shown, autocomplete: "off" });
        if (type === "person" || type === "newperson") suggest(c, document.getElementById("people-list"), peopleChoices);
        if (type === "page" || type === "securepage") {
          suggest(c, document.getElementById("pages-list"), () => pageChoices(type === "securepage"));
          // refresh the fields that depend on the page when it changes, and only then (a
          // second change event on blur must not redraw the form under the pointer)
          let seen = c.value;
          c.addEventListener("change", () => {
            if (c.value === seen) return;
            seen = c.value;
            refreshers.forEach((f) => f());
          });
        }
      }
    }
    c.dataset.field = name;
    controls[name] = c;
    if (!optional && type !== "bool" && type !== "entries") c.setAttribute("aria-required", "true");
    if (type === "entries") rows.push(h("div", { class: "wide" }, h("span", { id: `${id}-label`, class: "label" }, label), c));
    else rows.push(h("label", { for: id }, label, h("span", { class: "hint" }, optional ? " (optional)" : " (required)")), c);
  }

  // a hire: warn at once when the name or the NT login is someone's already
  if (op.id === "add_staff" || op.id === "hire") {
    const warn = h("div", { class: "wide hint", id: "hire-warning", role: "status" });
    const check = () => {
      const found = sameNameOrLogin(controls.name.value, controls.nt_account.value);
      clear(warn, found.map((t) => h("p", { class: "no" }, t)));
    };
    controls.name.addEventListener("input", check);
    controls.nt_account.addEventListener("input", check);
    rows.push(warn);
  }

  function read() {
    const vals = {};
    for (const [name, type, label, optional, extra] of op.fields) {
      const c = controls[name];
      let v;
      switch (type) {
        case "functions": v = [...c.selectedOptions].map((o) => o.value); if (!v.length) v = undefined; break;
        case "bool": v = c.checked || undefined; break;
        case "json":
          if (!c.value.trim()) { v = undefined; break; }
          try { v = JSON.parse(c.value); } catch (err) { throw new Error(`${label}: not JSON (${err.message})`); }
          break;
        case "people": v = c.value.trim() ? readPeople(c.value, label) : undefined; break;
        case "units": v = c.value.trim() ? c.value.split(/[,;\n]+/).map((x) => x.trim()).filter(Boolean).map((x) => readUnit(x, label)) : undefined; break;
        case "person": v = c.value.trim() ? readPerson(c.value, label) : undefined; break;
        case "newperson": v = readNewPerson(c.value, label); break;
        case "page": case "securepage": v = c.value.trim() ? readPage(c.value, label, type === "securepage") : undefined; break;
        case "entries": v = c.entries(); break;
        default: v = c.value.trim() || undefined;
      }
      if (v === undefined && extra === "null") v = null;
      if (v === undefined && !optional) throw new Error(`${label} is needed`);
      if (v !== undefined) vals[name] = v;
    }
    return vals;
  }

  return {
    el: h("div", { class: "grid-form" }, rows),
    edits() {
      const vals = read();
      if (op.build) return op.build(vals);
      const edit = { op: op.id };
      for (const [k, v] of Object.entries(vals)) {
        const path = k.split(".");
        let at = edit;
        for (const p of path.slice(0, -1)) at = at[p] ||= {};
        at[path.at(-1)] = v;
      }
      return [edit];
    },
  };
}

// entriesEditor edits a list of security entries: a principal, one of the five roles, and the
// create check boxes for the kinds that may be created under the page (SPEC §4).
function entriesEditor(source, given) {
  const body = h("tbody");
  const table = h("table", { class: "entries" },
    h("thead", {}, h("tr", {}, h("th", {}, "Principal"), h("th", {}, "Role"), h("th", {}, "May create"), h("th", {}, ""))), body);
  const list = h("datalist", { id: uid("principals") });
  let kinds = [];
  function row(e = { principal: "", role: "reader", create: [] }) {
    const pid = uid("principal");
    const principal = h("input", { id: pid, value: principalLabel(e.principal), "aria-label": "Principal", size: "26", autocomplete: "off" });
    suggest(principal, list, principalChoices);
    const role = h("select", { "aria-label": "Role" }, ROLES.map((r) => h("option", { value: r }, r)));
    role.value = e.role || "not_set";
    const creates = h("div", { class: "creates" }, kinds.map((k) => {
      const cid = uid("create");
      return h("span", {}, h("input", { type: "checkbox", id: cid, value: k, checked: (e.create || []).includes(k) }), h("label", { for: cid }, ` ${k}`));
    }));
    const tr = h("tr", {}, h("td", {}, principal), h("td", {}, role), h("td", {}, creates),
      h("td", {}, h("button", { type: "button", "aria-label": "Remove this entry", onclick: () => tr.remove() }, "Remove")));
    return tr;
  }
  const wrap = h("div", {}, list, table,
    h("button", { type: "button", onclick: () => body.append(row()) }, "Add an entry"));
  wrap.refill = () => {
    const s = source();
    kinds = s.kinds;
    body.replaceChildren(...(s.entries.length ? s.entries : [{ principal: "everyone", role: "reader", create: [] }]).map(row));
  };
  wrap.entries = () => [...body.children].map((tr) => {
    const principal = readPrincipal(tr.querySelector("input").value);
    const e = { principal, role: tr.querySelector("select").value };
    const create = [...tr.querySelectorAll(".creates input:checked")].map((c) => c.value);
    if (create.length) e.create = create;
    return e;
  }).filter((e) => e.principal);
  kinds = source().kinds;
  if (given) body.replaceChildren(...given.map(row)); else queueMicrotask(wrap.refill);
  return wrap;
}

