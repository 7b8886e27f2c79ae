// Lint findings (SPEC §7), the staff security report of an agency with its CSV (SPEC §8), and
// a worker's business function profile to print and hand to them (SPEC §4.5, §5.9).
import { call } from "./engine.js";
import { state, personLabel } from "./state.js";
import { h, clear, field, suggest, download } from "./ui.js";
import { dataTable } from "./table.js";
import { peopleItems } from "./check.js";
import { readPerson } from "./names.js";
import { renderReview } from "./review.js";

// rightWords names a right in words first — the names of the security attributes that grant
// it, as the catalog calls them — then its capability code and what it covers.
function rightWords(x) {
  const names = new Set();
  for (const code of x.functions || []) {
    const f = state.index.functions.find((fn) => fn.code === code);
    for (const a of f?.attributes || []) if (a.capability === x.capability && a.name) names.add(a.name);
  }
  return h("li", {}, names.size ? h("strong", {}, [...names].join(" / ")) : null, names.size ? " — " : null,
    x.covers ? `${x.covers} ` : x.line, x.covers ? h("span", { class: "hint mono" }, `(${x.capability}, ${x.scope} scope)`) : null);
}

// profileView words a profile as the worker is to read it.
export function profileView(p) {
  if (!p.records.length) return h("p", { class: "muted" }, `${p.name || p.person} has no staff record active on ${p.as_of}.`);
  return h("div", {}, p.records.map((r) => h("section", {},
    h("h4", {}, `${r.agency_name} — ${r.unit_name || "no unit"}`, h("span", { class: "hint" }, ` since ${r.start || "always"}${r.end ? `, until ${r.end}` : ""}`)),
    r.out_assignments.length ? h("p", {}, `Out-assigned: ${r.out_assignments.join("; ")}`) : null,
    h("p", {}, h("strong", {}, "Business functions")),
    r.functions.length ? h("ul", {}, r.functions.map((f) => h("li", {}, h("strong", {}, f.name), ` (${f.code})`,
      f.tasks.length ? h("ul", {}, f.tasks.map((t) => h("li", {}, t))) : null))) : h("p", { class: "muted" }, "None."),
    h("p", {}, h("strong", {}, "Viewing rights")),
    r.viewing.length ? h("ul", {}, r.viewing.map(rightWords)) : h("p", { class: "muted" }, "None."),
    h("p", {}, h("strong", {}, "Maintaining rights")),
    r.maintaining.length ? h("ul", {}, r.maintaining.map(rightWords)) : h("p", { class: "muted" }, "None."))));
}

let wanted = ""; // a person whose profile is to be shown and printed when the panel is drawn

// printProfile shows a person's profile in the reports panel and prints it for the worker.
export function printProfile(person, selectTab) {
  wanted = person;
  selectTab("reports");
  const el = document.getElementById("profile-person");
  if (wanted && el) { el.value = personLabel(person); document.getElementById("profile-show").click(); wanted = ""; }
  document.getElementById("profile-printbtn")?.click();
}

export function renderReports(panel) {
  const ix = state.index;
  // lint: asked for when the panel is drawn (it takes a while on a large snapshot)
  const lintEl = h("div", { id: "lint-table" });
  const lintNote = h("p", { class: "hint" });
  const agency = h("select", { id: "report-agency" }, ix.agencies.map((a) => h("option", { value: a.id }, `${a.name} (${a.id})`)));
  const reportEl = h("div", { id: "report-table" });
  const person = h("input", { id: "profile-person", size: "28", autocomplete: "off", value: personLabel(wanted || ix.agencies[0]?.staff?.[0]?.person || "") });
  wanted = "";
  suggest(person, document.getElementById("people-list"), peopleItems);
  const profileEl = h("div", { id: "profile-print", class: "profile-print" });

  const reviewEl = h("section", { id: "review", "aria-label": "Security review" });
  clear(panel, reviewEl,
    h("h2", {}, "Lint findings"), lintNote, lintEl,
    h("h2", {}, "Staff security report"),
    h("div", { class: "row" }, ...field("Agency", agency),
      h("button", { type: "button", id: "report-csv", onclick: () => {
        const r = call("report", { agency: agency.value, format: "csv" });
        if (r.ok) download(`staff-security-${agency.value}-${state.doc.as_of}.csv`, r.result, "text/csv");
      } }, "Download the report (CSV)")),
    reportEl,
    h("h2", {}, "A worker's business function profile"),
    h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); showProfile(); } }, ...field("Person", person), h("button", { id: "profile-show" }, "Show"),
      h("button", { type: "button", id: "profile-printbtn", onclick: () => { profileEl.classList.add("printing"); window.print(); profileEl.classList.remove("printing"); } }, "Print it for the worker")),
    profileEl);

  // lint takes a while on a large snapshot: the panel is painted first
  lintNote.textContent = "Reading the lint findings…";
  setTimeout(() => {
    const t0 = performance.now();
    const lint = call("lint").result;
    lintNote.textContent = `${lint.length} findings (${Math.round(performance.now() - t0)} ms). Filter by code or target; each says what to do.`;
    drawLint(lint);
    renderReview(reviewEl, lint, profileView);
  }, 30);
  const drawLint = (lint) => dataTable(lintEl, [{ key: "code", label: "Finding", width: "14rem" }, { key: "target", label: "Target", width: "14rem" },
    { key: "section", label: "Section", width: "8rem" }, { key: "message", label: "What it means", width: "1fr" }], { name: "lint", label: "Lint findings", height: 260 }).setRows(lint);

  const report = dataTable(reportEl, [
    { key: "unit_name", label: "Unit", width: "9rem" }, { key: "name", label: "Name", width: "10rem" }, { key: "nt_account", label: "NT login", width: "7rem" },
    { key: "unit_approver", label: "Approver", width: "6rem", value: (r) => (r.unit_approver ? "yes" : "no") },
    { key: "functions", label: "Business functions", width: "1fr", value: (r) => r.functions.join(", ") },
    { key: "security_attributes", label: "Security attributes", width: "1fr", value: (r) => r.security_attributes.join(", ") },
    { key: "out_assignments", label: "Out-assignments", width: "9rem", value: (r) => (r.out_assignments || []).join("; ") },
    { key: "start", label: "Start", width: "7rem" }, { key: "end", label: "End", width: "7rem" }], { name: "staff-security-report", label: "Staff security report", height: 300 });
  const drawReport = () => report.setRows(call("report", { agency: agency.value }).result.rows);
  agency.addEventListener("change", drawReport);
  drawReport();

  function showProfile() {
    let id;
    try { id = readPerson(person.value); } catch (err) { return clear(profileEl, h("p", { class: "error" }, err.message)); }
    const r = call("profile", { person: id });
    if (!r.ok) return clear(profileEl, h("p", { class: "error" }, r.error.message));
    const p = r.result;
    clear(profileEl, h("h3", {}, `Your business function profile — ${p.name || p.person}`),
      h("p", { class: "hint" }, `As of ${p.as_of}. These are the business functions your Security Coordinator has given you, what they let you do, and what you may see and maintain.`),
      profileView(p), h("p", { class: "hint" }, `Person ${personLabel(p.person)} · snapshot version ${state.doc.version}`));
  }
  showProfile();
}
