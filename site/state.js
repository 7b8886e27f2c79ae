// What the workbench holds: the open snapshot (its text for the module, its parsed document
// for the browse lists, which only display it), the batch being composed, and who listens.
export const state = {
  text: "",          // the snapshot as loaded into the module
  doc: null,         // the same, parsed, for display only
  source: "",        // where it came from, in words
  generation: 0,     // goes up on every load, so panels know to redraw
  timings: {},       // ms: fetch, module load, parse, index
  index: null,
  batch: { actor: "", edits: [] },
  whatif: null,      // the answer for the current batch
  checks: [],        // checks chosen for the next scenario file
  edge: null,        // {version} when the snapshot came from the edge worker
};

const listeners = {};
export function on(event, fn) { (listeners[event] ||= []).push(fn); }
export function emit(event, data) { for (const fn of listeners[event] || []) fn(data); }

// indexSnapshot makes the lookups the panels need from the parsed snapshot.
export function indexSnapshot(doc) {
  const people = new Map(), units = new Map(), pages = new Map(), children = new Map();
  const staffOf = new Map(); // person → [{agency, record}]
  for (const p of doc.people || []) people.set(p.id, p);
  for (const a of doc.agencies || []) {
    for (const u of a.units || []) units.set(u.id, { ...u, agency: a.id });
    for (const s of a.staff || []) {
      if (!staffOf.has(s.person)) staffOf.set(s.person, []);
      staffOf.get(s.person).push({ agency: a.id, record: s });
    }
    for (const pg of a.pages || []) {
      pages.set(pg.id, { page: pg, agency: a.id });
      const parent = pg.parent || "";
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(pg.id);
    }
  }
  const functions = doc.business_functions || [];
  const capabilities = [...new Set(functions.flatMap((f) => (f.attributes || []).map((x) => x.capability)))].sort();
  return { people, units, pages, children, staffOf, functions, capabilities, agencies: doc.agencies || [] };
}

// personLabel and pageLabel show "Marcus Hill (p-1012)" and "CPS Intake 1 (pg-…)", for the
// people and pages the queued batch creates too.
export function personLabel(id) {
  const p = state.index?.people.get(id) || state.batch.edits.find((e) => e.op === "add_staff" && e.person === id && e.name);
  return p ? `${p.name} (${id})` : id;
}

export function pageLabel(id) {
  const p = state.index?.pages.get(id)?.page || state.batch.edits.find((e) => e.op === "create_page" && e.page?.id === id)?.page;
  return p ? `${p.title || id} (${id})` : id;
}

// isActive: a record is active on day d when start <= d < end (SPEC §1).
export function isActive(rec, day) {
  return (!rec.start || rec.start <= day) && (!rec.end || day < rec.end);
}

// Page kinds and what may hang below each (SPEC §3), for the create check boxes and forms.
export const childKinds = {
  organization: ["org_metric", "org_dialog", "project", "org_commitment", "department", "individual"],
  department: ["dept_metric", "dept_dialog", "project", "dept_commitment"],
  project: ["project_metric", "project_task", "project_dialog"],
  individual: ["individual_metric", "personal_task", "basic_role", "individual_dialog", "individual_commitment", "development_goal", "performance_report"],
  org_dialog: ["org_dialog_task"], dept_dialog: ["dept_dialog_task"], project_dialog: ["project_dialog_task"],
  individual_dialog: ["individual_dialog_task"], basic_role: ["basic_role_task"],
};
export const defaultKinds = {
  organization: ["org_metric", "org_dialog", "org_dialog_task", "project", "org_commitment", "department", "individual"],
  department: ["dept_metric", "dept_dialog", "dept_dialog_task", "project", "dept_commitment"],
  project: ["project_metric", "project_task", "project_dialog", "project_dialog_task"],
  individual: ["individual_metric", "personal_task", "basic_role", "basic_role_task", "individual_dialog", "individual_dialog_task", "individual_commitment", "development_goal"],
};
export const ownSecurity = new Set(["organization", "department", "project", "individual", "org_metric", "dept_metric", "project_metric", "individual_metric"]);
export function creatable(kind) { return [...(childKinds[kind] || []), "item"]; }
export const allKinds = [...new Set([...Object.keys(childKinds), ...Object.values(childKinds).flat(), "item"])];
