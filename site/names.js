// Names: every person, page, unit, group and business function field of the workbench takes a
// name, an id or an NT login, with type-ahead over the open snapshot and over what the queued
// batch creates (a new hire, a new page), and shows "Marcus Hill (p-1012)". Reading a field
// turns what was typed into the id the evaluator takes, or says in words why it cannot.
import { state, ownSecurity, personLabel, pageLabel } from "./state.js";

export { personLabel, pageLabel };

const ID = /^[A-Za-z0-9._-]{1,128}$/;
// idIn is the id in a label's closing parentheses: "Marcus Hill (p-1012)" → "p-1012",
// "CPS Intake 1 (page:pg-alb-dep-cpsi1)" → "page:pg-alb-dep-cpsi1".
const idIn = (text) => /\(([A-Za-z0-9._:-]{1,140})\)\s*$/.exec(text)?.[1];

// created lists what the queued batch creates, so that it can be named before it exists.
export function created() {
  const people = new Map(), pages = new Map(), units = new Map(), groups = new Map();
  for (const e of state.batch?.edits || []) {
    if (e.op === "add_staff" && typeof e.person === "string" && !state.index.people.has(e.person)) {
      people.set(e.person, { id: e.person, name: e.name || "", nt_account: e.nt_account || "", new: true });
    }
    if (e.op === "create_page" && typeof e.page?.id === "string") {
      pages.set(e.page.id, { page: e.page, agency: state.index.pages.get(e.page.parent)?.agency || pages.get(e.page.parent)?.agency, new: true });
    }
    if (e.op === "create_unit" && typeof e.unit?.id === "string") units.set(e.unit.id, { ...e.unit, agency: e.agency, new: true });
    if (e.op === "create_group" && typeof e.group?.id === "string") groups.set(e.group.id, { ...e.group, agency: e.agency, new: true });
  }
  return { people, pages, units, groups };
}

export const personOf = (id) => state.index?.people.get(id) || created().people.get(id);
export const pageOf = (id) => state.index?.pages.get(id) || created().pages.get(id);

function unitOf(id) { return state.index.units.get(id) || created().units.get(id); }
function groupOf(id) {
  for (const a of state.index.agencies) for (const g of a.groups || []) if (g.id === id) return g;
  return created().groups.get(id);
}
// resourceLabel words a typed resource: "CPS Intake 1 (page:pg-alb-dep-cpsi1)".
export function resourceLabel(r) {
  const m = /^(page|unit|agency|person):(.*)$/.exec(r || "");
  if (!m) return r;
  const [, kind, id] = m;
  const name = kind === "page" ? pageOf(id)?.page.title : kind === "unit" ? unitOf(id)?.name : kind === "person" ? personOf(id)?.name
    : state.index.agencies.find((a) => a.id === id)?.name;
  return name ? `${name} (${r})` : r;
}
export function unitLabel(id) { const u = unitOf(id); return u ? `${u.name} (${id})` : id; }

function* allPeople() { yield* state.index.people; yield* created().people; }
function* allPages() { yield* state.index.pages; yield* created().pages; }
function* allUnits() { yield* state.index.units; yield* created().units; }
function* allGroups() {
  for (const a of state.index.agencies) for (const g of a.groups || []) yield [g.id, g];
  yield* created().groups;
}

// The type-ahead items ({key: what the field gets, label: what helps choose}).
export function* peopleChoices() {
  for (const [id, p] of allPeople()) yield { key: `${p.name || id} (${id})`, label: `${p.nt_account || "no NT login"}${p.new ? " · hired in this batch" : ""}` };
}
export function* pageChoices(secureOnly = false) {
  for (const [id, p] of allPages()) if (!secureOnly || ownSecurity.has(p.page.kind)) yield { key: `${p.page.title || id} (${id})`, label: `${p.page.kind}${p.new ? " · created in this batch" : ""}` };
}
export function* resourceChoices() {
  for (const [id, p] of allPages()) yield { key: `${p.page.title || id} (page:${id})`, label: p.page.kind };
  for (const [id, u] of allUnits()) yield { key: `${u.name} (unit:${id})`, label: "unit" };
  for (const a of state.index.agencies) yield { key: `${a.name} (agency:${a.id})`, label: "agency" };
  for (const [id, p] of allPeople()) yield { key: `${p.name || id} (person:${id})`, label: "person" };
}
const RELATIVE = ["everyone", "org_editor", "org_leader", "dept_member", "dept_editor", "dept_leader", "metric_owner", "person_responsible", "given_individual", "reports_to", "reports_to_above", "project_sponsor", "project_leader", "project_member", "project_consultant"];
export function* principalChoices() {
  for (const p of RELATIVE) yield { key: p, label: "relative to the page" };
  for (const [id, g] of allGroups()) yield { key: `${g.name} (group:${id})`, label: "custom group" };
  for (const [id, u] of allUnits()) yield { key: `${u.name} (unit:${id})`, label: "unit members" };
  for (const f of state.index.functions) yield { key: `${f.name} (function:${f.code})`, label: "holders of the business function" };
  for (const [id, p] of allPeople()) yield { key: `${p.name || id} (user:${id})`, label: "one person" };
}

// matches finds the ids whose names (or NT login) are what was typed, ignoring case.
function matches(entries, typed, names) {
  const low = typed.toLowerCase(), out = [];
  for (const [id, x] of entries) if (names(x).some((n) => n && n.toLowerCase() === low)) out.push(id);
  return out;
}

function pick(kind, typed, label, hits, show) {
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new Error(`${label}: ${hits.length} ${kind}s are called “${typed}” — ${hits.slice(0, 4).map(show).join(", ")}${hits.length > 4 ? "…" : ""}. Choose one from the list as you type.`);
  throw new Error(`${label}: no ${kind} in this snapshot is called “${typed}”. Type part of a name and choose from the list, or give the id.`);
}

// readPerson is the Person ID a person field names: an id, "Name (id)", a name or an NT login.
export function readPerson(text, label = "Person") {
  const t = (text || "").trim();
  if (!t) throw new Error(`${label} is needed: type a name, an NT login or a Person ID.`);
  const id = idIn(t);
  if (id && personOf(id)) return id;
  if (personOf(t)) return t;
  return pick("person", t, label, matches(allPeople(), t, (p) => [p.name, p.nt_account]), personLabel);
}

// readNewPerson is readPerson for a hire: a person not in the snapshot yet is named by the new
// Person ID typed.
export function readNewPerson(text, label = "Person ID") {
  const t = (text || "").trim();
  try { return readPerson(t, label); } catch (err) {
    if (ID.test(t)) return t;
    throw new Error(`${label}: “${t}” is not a person of this snapshot, nor a new Person ID (letters, digits, “.”, “_”, “-”).`);
  }
}

// readPeople reads a list of people, separated by commas, semicolons or new lines.
export function readPeople(text, label = "People") {
  return (text || "").split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean).map((s) => readPerson(s, label));
}

export function readPage(text, label = "Page", secureOnly = false) {
  const t = (text || "").trim();
  if (!t) throw new Error(`${label} is needed: type part of a page title, or its id.`);
  const id = idIn(t);
  const ok = (x) => pageOf(x) && (!secureOnly || ownSecurity.has(pageOf(x).page.kind));
  if (id && ok(id)) return id;
  if (ok(t)) return t;
  const hits = matches(allPages(), t, (p) => [p.page.title]).filter(ok);
  return pick("page", t, label, hits, pageLabel);
}

export function readUnit(text, label = "Unit") {
  const t = (text || "").trim();
  if (!t) throw new Error(`${label} is needed.`);
  const id = idIn(t);
  if (id && unitOf(id)) return id;
  if (unitOf(t)) return t;
  return pick("unit", t, label, matches(allUnits(), t, (u) => [u.name]), unitLabel);
}

// readResource is a typed resource ("page:…", "unit:…", "agency:…", "person:…") from what was
// typed: a typed id, "Title (page:id)", or "page:" followed by a title or name. A bare name is
// a page for a page action (read, edit, manage_security, create:…), and a unit, an agency or a
// person for a capability; with no action it is looked for among all four.
const PAGE_ACTIONS = /^(read|edit|manage_security|create:.*)$/;
export function readResource(text, label = "Page or target", action = "") {
  const t = (text || "").trim();
  if (!t) throw new Error(`${label} is needed: type part of a page title, a unit, an agency or a person.`);
  const inner = idIn(t);
  const typed = /^(page|unit|agency|person):(.*)$/.exec(inner || t);
  if (typed) {
    const [, kind, rest] = typed;
    if (kind === "page") return `page:${readPage(rest, label)}`;
    if (kind === "unit") return `unit:${readUnit(rest, label)}`;
    if (kind === "person") return `person:${readPerson(rest, label)}`;
    const a = state.index.agencies.find((x) => x.id === rest.trim() || x.name.toLowerCase() === rest.trim().toLowerCase());
    if (a) return `agency:${a.id}`;
    throw new Error(`${label}: no agency is called “${rest.trim()}”.`);
  }
  const forPage = PAGE_ACTIONS.test(action), any = !action;
  if (forPage) return `page:${readPage(t, label)}`;
  const found = [];
  for (const [kind, read] of [["page", readPage], ["unit", readUnit], ["person", readPerson]]) {
    if (kind === "page" && !any) continue;
    try { found.push(`${kind}:${read(t, label)}`); } catch {}
  }
  for (const a of state.index.agencies) if (a.id === t || a.name.toLowerCase() === t.toLowerCase()) found.push(`agency:${a.id}`);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new Error(`${label}: “${t}” names more than one thing (${found.join(", ")}); choose one from the list as you type.`);
  throw new Error(`${label}: nothing in this snapshot is called “${t}”. Type part of a page title, unit, agency or person and choose from the list.`);
}

// readPrincipal is a security entry's principal: a relative one as it is, "Name (user:id)",
// "user:" (or group:, unit:, function:) followed by a name or id, or a bare person, group,
// unit or business function name.
export function readPrincipal(text) {
  const t = (text || "").trim();
  if (!t || RELATIVE.includes(t)) return t;
  const s = idIn(t) || t;
  const typed = /^(user|group|unit|function):(.*)$/.exec(s);
  if (typed) {
    const [, kind, rest] = typed;
    if (kind === "user") return `user:${readPerson(rest, "Principal")}`;
    if (kind === "unit") return `unit:${readUnit(rest, "Principal")}`;
    if (kind === "group") {
      if (groupOf(rest.trim())) return `group:${rest.trim()}`;
      return `group:${pick("group", rest.trim(), "Principal", matches(allGroups(), rest.trim(), (g) => [g.name]), (id) => id)}`;
    }
    const f = state.index.functions.find((x) => x.code === rest.trim() || x.name.toLowerCase() === rest.trim().toLowerCase());
    return f ? `function:${f.code}` : s;
  }
  for (const read of [(x) => `user:${readPerson(x)}`, (x) => `unit:${readUnit(x)}`]) {
    try { return read(t); } catch {}
  }
  const g = matches(allGroups(), t, (x) => [x.name]);
  if (g.length === 1) return `group:${g[0]}`;
  const f = state.index.functions.find((x) => x.name.toLowerCase() === t.toLowerCase() || x.code === t);
  return f ? `function:${f.code}` : t;
}

// principalLabel words a principal with the name of whom it names.
export function principalLabel(p) {
  const m = /^(user|group|unit|function):(.*)$/.exec(p || "");
  if (!m) return p;
  const [, kind, id] = m;
  const name = kind === "user" ? personOf(id)?.name : kind === "group" ? groupOf(id)?.name : kind === "unit" ? unitOf(id)?.name
    : state.index.functions.find((f) => f.code === id)?.name;
  return name ? `${name} (${p})` : p;
}

// nextPersonId proposes the next free Person ID in the snapshot's own pattern (p-1071 after
// p-1070), counting the people the batch hires.
export function nextPersonId() {
  const counts = new Map();
  let best = null;
  for (const [id] of allPeople()) {
    const m = /^(.*?)(\d+)$/.exec(id);
    if (!m) continue;
    const c = counts.get(m[1]) || { n: 0, max: 0, width: m[2].length };
    c.n++;
    c.max = Math.max(c.max, Number(m[2]));
    counts.set(m[1], c);
    if (!best || c.n > counts.get(best).n) best = m[1];
  }
  if (best === null) return "p-1";
  const c = counts.get(best);
  let n = c.max + 1;
  while (personOf(`${best}${String(n).padStart(c.width, "0")}`)) n++;
  return `${best}${String(n).padStart(c.width, "0")}`;
}

// sameNameOrLogin says who already has a name or NT login, for a hire's form to warn.
export function sameNameOrLogin(name, nt) {
  const out = [];
  const n = (name || "").trim().toLowerCase(), l = (nt || "").trim().toLowerCase();
  for (const [id, p] of allPeople()) {
    if (n && (p.name || "").toLowerCase() === n) out.push(`${personLabel(id)} already has the name “${p.name}”: if it is the same person, give their Person ID instead of hiring a new one`);
    if (l && (p.nt_account || "").toLowerCase() === l) out.push(`the NT login “${p.nt_account}” belongs to ${personLabel(id)}: NT logins are unique, so a new person needs another`);
  }
  return out;
}
