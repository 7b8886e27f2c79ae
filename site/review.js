// The security review (§5.10 of the rules): every district and agency reviews its CONNECTIONS
// security at least every two years. A guided task for the coordinator: the staff security
// report, the lint findings of the agency to resolve, every worker's profile to hand out, and
// then the review recorded (record_security_review, queued in the What-if like any edit).
import { call } from "./engine.js";
import { state, personLabel, isActive } from "./state.js";
import { h, clear, field, download } from "./ui.js";
import { startEdit } from "./whatif.js";

// agencyOfTarget names the agency a lint finding's target belongs to ("" for a function).
function agencyOfTarget(target) {
  const [kind, id] = [target.slice(0, target.indexOf(":")), target.slice(target.indexOf(":") + 1)];
  if (kind === "agency") return id;
  if (kind === "unit") return state.index.units.get(id)?.agency || "";
  if (kind === "page") return state.index.pages.get(id)?.agency || "";
  if (kind === "person") return state.index.staffOf.get(id)?.at(-1)?.agency || "";
  return "";
}

// overdue is the security_review_overdue findings of the lint, by agency.
export function overdue(lint) {
  return new Map(lint.filter((f) => f.code === "security_review_overdue").map((f) => [f.target.replace(/^agency:/, ""), f.message]));
}

// renderReview draws the review task into el; profileView words a profile for printing.
export function renderReview(el, lint, profileView) {
  const ix = state.index;
  const agency = h("select", { id: "review-agency" }, ix.agencies.map((a) => h("option", { value: a.id }, a.name)));
  const actor = state.batch.actor;
  const own = ix.agencies.find((a) => (a.coordinators || []).some((c) => c.person === actor));
  if (own) agency.value = own.id;
  const body = h("div", { id: "review-steps" });
  agency.addEventListener("change", draw);
  clear(el, h("h2", {}, "Security review"),
    h("p", { class: "hint" }, "Each district and agency reviews its CONNECTIONS security at least every two years (18 NYCRR 466.6). Go through the steps, then record the review."),
    h("div", { class: "row" }, ...field("Agency", agency)), body);
  draw();

  function draw() {
    const a = ix.agencies.find((x) => x.id === agency.value);
    const late = overdue(lint).get(a.id);
    const reviews = a.security_reviews || [];
    const findings = lint.filter((f) => f.code !== "security_review_overdue" && agencyOfTarget(f.target) === a.id);
    const staff = [...new Set((a.staff || []).filter((s) => isActive(s, state.doc.as_of)).map((s) => s.person))];
    const note = h("input", { id: "review-note", size: "60", placeholder: "what was reviewed, with whom" });
    clear(body,
      late ? h("p", { class: "error", id: "review-overdue", role: "alert" }, late) : h("p", { class: "notice", id: "review-current" },
        `The latest review of ${a.name} is on ${reviews.at(-1)?.date}, by ${personLabel(reviews.at(-1)?.by)}: the next is due within two years of it.`),
      reviews.length ? h("p", { class: "hint" }, `Reviews recorded: ${reviews.map((r) => `${r.date} by ${personLabel(r.by)}${r.note ? ` (“${r.note}”)` : ""}`).join("; ")}.`) : null,
      h("ol", { class: "review" },
        h("li", {}, h("strong", {}, "Read the staff security report"), " — every staff record with its unit, approver, business functions, security attributes and out-assignments. ",
          h("button", { type: "button", id: "review-report", onclick: () => {
            const r = call("report", { agency: a.id, format: "csv" });
            if (r.ok) download(`staff-security-${a.id}-${state.doc.as_of}.csv`, r.result, "text/csv");
          } }, "Download it (CSV)"), " It is also in the table below."),
        h("li", {}, h("strong", {}, `Resolve the lint findings of ${a.name}`), ` — ${findings.length ? `${findings.length} to look at:` : "none: nothing to resolve."}`,
          findings.length ? h("ul", { id: "review-findings" }, findings.slice(0, 50).map((f) => h("li", {}, h("code", {}, f.code), " ", f.message))) : null,
          findings.length > 50 ? h("p", { class: "hint" }, `and ${findings.length - 50} more in the lint table below.`) : null),
        h("li", {}, h("strong", {}, "Give every worker their profile"), ` — ${staff.length} active staff. `,
          h("button", { type: "button", id: "review-profiles", onclick: () => printAll(staff, profileView) }, "Print every worker's profile")),
        h("li", {}, h("strong", {}, "Record the review"), " — it is kept in the agency's security reviews with today's date, you, and the version reviewed.",
          h("div", { class: "row" }, ...field("Note", note),
            h("button", { type: "button", class: "primary", id: "review-record", onclick: () => startEdit({ op: "record_security_review", agency: a.id, note: note.value.trim() || undefined }) }, "Record the review (what-if)")))));
  }
}

// printAll prints the profiles of the workers, one after another, as the print stylesheet
// prints one profile.
function printAll(people, profileView) {
  const el = document.getElementById("profile-print");
  clear(el, people.map((p) => {
    const r = call("profile", { person: p });
    return r.ok ? h("section", { class: "profile-one" }, h("h3", {}, `Your business function profile — ${r.result.name || p}`), profileView(r.result)) : null;
  }));
  el.classList.add("printing");
  window.print();
  el.classList.remove("printing");
}
