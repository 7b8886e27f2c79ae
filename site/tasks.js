// Tasks that start where the coordinator is: a worker chosen in Browse offers the processes a
// coordinator runs for them (transfer, functions, out-assignment, approver, end-date, then the
// Person ID, reinstate, a move to another agency, the coordinator role), and a page offers
// its security tasks. Each says who may make the edit; when the acting person may not, it
// says who can and offers to act as one of them, instead of offering an edit that would be
// refused. Whether an edit is allowed stays the module's answer when it is queued.
import { call } from "./engine.js";
import { state, emit, personLabel, defaultKinds, ownSecurity } from "./state.js";
import { h, clear } from "./ui.js";
import { startEdit } from "./whatif.js";

const WORKER_TASKS = [
  ["move_staff", "Transfer to another unit", (a, p) => ({ agency: a, person: p })],
  ["assign_functions", "Assign business functions", (a, p) => ({ agency: a, person: p })],
  ["remove_functions", "Remove business functions", (a, p) => ({ agency: a, person: p })],
  ["add_out_assignment", "Out-assign to another unit", (a, p) => ({ agency: a, person: p })],
  ["set_reports_to", "Change who they report to", (a, p) => ({ agency: a, person: p })],
  ["set_unit_approver", "Make them a unit's approver", (a, p) => ({ agency: a, approver: p })],
  ["end_date_staff", "End-date (they leave)", (a, p) => ({ agency: a, person: p })],
  ["set_person_id", "Disable the Person ID (once no record is active)", (a, p) => ({ person: p, status: "disabled" })],
  ["reinstate_staff", "Reinstate (they return)", (a, p) => ({ agency: a, person: p })],
  ["move_agency", "Move to another agency", (a, p) => ({ from: a, person: p })],
  ["establish_coordinator", "Make them a backup coordinator", (a, p) => ({ agency: a, person: p, role: "backup" })],
  // a handover is two batches: the old coordinator makes the new one primary, then the new one
  // removes the old (removing yourself is refused)
  ["establish_coordinator", "Hand the coordinator role over to them (they then remove you)", (a, p) => ({ agency: a, person: p, role: "primary" }), "handover"],
];

const standing = (person) => call("standing", { person }).result || { administrator: false, coordinates: [], staff_of: [] };

// actAs makes another person the acting person of the batch, and draws the tasks again.
function actAs(person, redraw) {
  state.batch.actor = person;
  emit("batch");
  redraw();
}

function mayNot(actor, who, redraw) {
  return h("div", { class: "notice", id: "task-who" },
    h("p", {}, `You act as ${personLabel(actor) || "nobody yet"}, who may not make these edits. ${who.text}`),
    who.people.length ? h("div", { class: "row" }, who.people.slice(0, 4).map((p) =>
      h("button", { type: "button", "data-act-as": p, onclick: () => actAs(p, redraw) }, `Act as ${personLabel(p)}`))) : null);
}

// workerTasks draws, into el, what a coordinator may do for a worker of an agency.
export function workerTasks(el, agencyId, person) {
  const redraw = () => workerTasks(el, agencyId, person);
  const a = state.index.agencies.find((x) => x.id === agencyId);
  const actor = state.batch.actor;
  const st = actor && state.index.people.has(actor) ? standing(actor) : { administrator: false, coordinates: [] };
  const may = st.administrator || st.coordinates.includes(agencyId);
  const coordinators = (a.coordinators || []).filter((c) => standing(c.person).coordinates.includes(agencyId));
  const admins = (state.doc.administrators || []).filter((p) => standing(p).administrator);
  const who = {
    people: coordinators.map((c) => c.person),
    text: `The coordinators of ${a.name} may: ${coordinators.map((c) => `${personLabel(c.person)} (${c.role})`).join(", ") || "it has none active"}; and the administrators${admins.length ? ` (${admins.map(personLabel).join(", ")})` : ""}.`,
  };
  clear(el, h("h4", {}, `What to do for ${personLabel(person)}`),
    may ? h("p", { class: "hint", id: "task-who" }, `You act as ${personLabel(actor)}, ${st.administrator ? "an administrator" : `a coordinator of ${a.name}`}: each task opens its form in the What-if, filled in, and nothing changes until you apply.`)
      : mayNot(actor, who, redraw),
    h("div", { class: "row", id: "worker-tasks" }, WORKER_TASKS.map(([op, label, values, task = op]) =>
      h("button", { type: "button", "data-task": task, disabled: !may, onclick: () => startEdit({ op, ...values(agencyId, person, a) }) }, label))));
}

// pageTasks draws, into el, the security tasks of a page whose effective section is owned by
// owner: change it, change the defaults below it, propagate them. Who may is who has
// manage_security on the owning page, as the module answers it.
export function pageTasks(el, pageId, s) {
  const redraw = () => pageTasks(el, pageId, s);
  const owner = s.owner;
  const kind = state.index.pages.get(owner)?.page.kind;
  const r = call("who", { action: "manage_security", resource: `page:${owner}` });
  const managers = r.ok ? r.result.map((x) => x.person) : [];
  const actor = state.batch.actor;
  const may = managers.includes(actor);
  const kinds = ownSecurity.has(kind) ? defaultKinds[kind] || [] : [];
  const change = s.section === "security" ? { op: "set_security", page: owner } : { op: "set_default_security", page: owner, kind: s.section };
  const who = { people: managers, text: `${managers.length} ${managers.length === 1 ? "person has" : "people have"} full access to its security${managers.length ? `: ${managers.slice(0, 3).map(personLabel).join(", ")}${managers.length > 3 ? ` and ${managers.length - 3} ${managers.length === 4 ? "other" : "others"}` : ""}` : ""}.` };
  clear(el,
    may ? h("p", { class: "hint", id: "task-who" }, `You act as ${personLabel(actor)}, who may change this security.`) : mayNot(actor, who, redraw),
    h("div", { class: "row", id: "page-tasks" },
      h("button", { type: "button", "data-task": change.op, disabled: !may, onclick: () => startEdit(change) }, s.section === "security" ? "Change this security (what-if)" : "Change this default section (what-if)"),
      kinds.length ? h("button", { type: "button", "data-task": "set_default_security", disabled: !may, onclick: () => startEdit({ op: "set_default_security", page: owner, kind: kinds[0] }) }, "Change the defaults below it") : null,
      kinds.length ? h("button", { type: "button", "data-task": "propagate_defaults", disabled: !may, onclick: () => startEdit({ op: "propagate_defaults", page: owner, kind: kinds[0] }) }, "Propagate a default section") : null));
}
