// What would grant it (§11 of the rules): under a "Not allowed" answer, the module's
// suggestions — each verified: the edits, who may make them, and who else they let in — with
// one click to put one into the what-if batch (acted by its first actor).
import { call } from "./engine.js";
import { emit } from "./state.js";
import { h } from "./ui.js";

export function suggestions(req) {
  const r = call("suggest", req);
  if (!r.ok || !r.result.length) return null;
  return h("section", { id: "suggestions", "aria-label": "What would grant it" },
    h("h3", {}, "What would grant it"),
    h("ol", { class: "suggestions" }, r.result.map((s, i) => h("li", { "data-kind": s.kind },
      h("p", {}, s.summary),
      s.edits.length ? h("button", { type: "button", "data-suggestion": String(i), onclick: (e) => {
        emit("suggestion", { actor: s.actors[0].person, edits: s.edits });
        e.target.disabled = true;
        e.target.textContent = "In the what-if batch";
      } }, `Add to the what-if batch (acted by ${s.actors[0].name})`) : null))));
}
