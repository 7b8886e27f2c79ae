// Access checker: a person, an action and a page or capability target → allowed or not, with
// the module's reasons in plain words (SPEC §4.1, §4.5).
import { call } from "./engine.js";
import { state, allKinds, personLabel } from "./state.js";
import { h, clear, field, suggest } from "./ui.js";
import { peopleChoices, resourceChoices, readPerson, readResource, resourceLabel } from "./names.js";
import { suggestions } from "./suggest.js";

let pre = {};
export function prefillCheck(values) { pre = { ...pre, ...values }; }

const tags = {
  person_id_inactive: "Person ID", administrator: "Administrator", no_active_staff_record: "No record",
  section: "Section", entry: "Entry", deny: "Deny wins", creator: "Creator", no_entry: "No entry",
  owner_page: "Owning page", create: "Create right", fixed_rule: "Fixed rule", function: "Function", no_function: "No function",
};

export function actionItems() {
  return [
    { key: "read", label: "read a page" }, { key: "edit", label: "edit a page" },
    { key: "manage_security", label: "manage a page's security" },
    ...allKinds.map((k) => ({ key: `create:${k}`, label: `create ${k} under a page` })),
    ...state.index.capabilities.map((c) => ({ key: c, label: "capability (business functions)" })),
  ];
}

// the type-ahead items of person and resource fields (kept under these names for the views
// that import them from here)
export { peopleChoices as peopleItems, resourceChoices as resourceItems };

export function renderCheck(panel) {
  const firstPage = state.index.pages.keys().next().value;
  const firstStaff = state.index.agencies[0]?.staff?.[0]?.person || "";
  const subject = h("input", { id: "check-subject", required: true, value: personLabel(pre.subject || firstStaff), size: "28", autocomplete: "off" });
  const action = h("input", { id: "check-action", required: true, value: pre.action || "read", size: "24", autocomplete: "off" });
  const resource = h("input", { id: "check-resource", required: true, value: resourceLabel(pre.resource || `page:${firstPage}`), size: "40", autocomplete: "off" });
  const asOf = h("input", { id: "check-asof", type: "date", value: pre.as_of || "" });
  pre = {};
  const lists = ["people-list", "principals-list", "pages-list"].map((id) => document.getElementById(id));
  suggest(subject, lists[0], peopleChoices);
  const actionList = h("datalist", { id: "actions-list" });
  suggest(action, actionList, actionItems, 100);
  suggest(resource, lists[2], resourceChoices);
  const out = h("div", { id: "check-result", "aria-live": "polite" });

  const form = h("form", { class: "grid-form", onsubmit: (e) => { e.preventDefault(); run(); } },
    field("Person", subject, "a name, an NT login or a Person ID"),
    field("Action", action, "read, edit, manage_security, create:<kind> or a capability"),
    field("Page or target", resource, "a page title, or a unit, agency or person for a capability"),
    field("As of", asOf, `leave empty for the snapshot's day (${state.doc.as_of})`),
    h("div", { class: "wide row" }, h("button", { class: "primary", id: "check-run" }, "Check")));
  clear(panel, h("h2", {}, "Access checker"), actionList, form, out);

  function run() {
    let req;
    try {
      req = { subject: readPerson(subject.value), action: action.value.trim(), resource: readResource(resource.value, "Page or target", action.value.trim()), as_of: asOf.value };
    } catch (err) {
      return clear(out, h("p", { class: "error", role: "alert", id: "check-name-error" }, err.message));
    }
    const r = call("check", req);
    if (!r.ok) {
      clear(out, h("p", { class: "error", role: "alert" }, `This request is in error (${r.error.code}): ${r.error.message}`),
        keepButton({ subject: req.subject, action: req.action, resource: req.resource, error: r.error.code }));
      return;
    }
    const d = r.result;
    clear(out,
      h("p", { class: `verdict ${d.allowed ? "ok" : "no"}`, id: "verdict" },
        d.allowed ? "Allowed" : "Not allowed",
        d.level ? h("span", { class: "muted" }, ` — level ${d.level}`) : null),
      d.create?.length ? h("p", {}, `May create: ${d.create.join(", ")}`) : null,
      h("h3", {}, `Why, for ${personLabel(req.subject)}`),
      h("ol", { class: "reasons", id: "reasons" }, (d.reasons || []).map((x) => h("li", { "data-kind": x.kind },
        h("span", { class: `tag${x.kind === "deny" ? " deny" : ""}` }, tags[x.kind] || x.kind), " ", x.message,
        x.via?.length ? h("div", { class: "via" }, `membership: ${x.via.join(" → ")}`) : null))),
      keepButton({ subject: req.subject, action: req.action, resource: req.resource, allowed: d.allowed, ...(d.level && req.resource.startsWith("page:") ? { level: d.level } : {}) }),
      d.allowed ? null : suggestions(req));
  }

  function keepButton(check) {
    const b = h("button", { type: "button", id: "check-keep", onclick: () => {
      state.checks.push(check);
      b.disabled = true;
      b.textContent = `Kept for the next scenario file (${state.checks.length} kept)`;
    } }, "Keep this check for a scenario file");
    return h("div", { class: "row" }, b);
  }
  if (subject.value && resource.value) run();
}
