// Help: the rules reference (evaluator/RULES.md, copied to rules.md by `make site`), rendered
// with its table of contents. Links to its own headings move there and take the focus; links
// to other files of the repository are named, since the workbench does not carry them.
import { h, clear } from "./ui.js";
import { renderMarkdown } from "./markdown.js";

const source = "rules.md";
const docDir = "evaluator/"; // where RULES.md sits in the repository: its links are relative to it

// repoPath is the repository path a relative link of RULES.md names.
function repoPath(href) {
  const parts = [];
  for (const p of (docDir + href).split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

function link(href, children) {
  const [file, frag] = href.split("#");
  if (!file || /^(\.\/)?RULES\.md$/.test(file)) return h("a", { href: `#${frag || ""}`, "data-rules-anchor": frag || "" }, children);
  const path = repoPath(file) + (frag ? `#${frag}` : "");
  const words = children.map((c) => (typeof c === "string" ? c : c.textContent)).join("");
  return h("span", { class: "repo-ref", title: `${path} in the connsec repository` }, children,
    words === path ? null : [" ", h("span", { class: "hint" }, `(${path})`)]);
}

const exampleLabels = {
  "connsec-example": "Example: a decision",
  "connsec-edit": "Example: an edit batch",
  "connsec-lint": "Example: lint",
};

// block draws the checked examples; a decision reads as one line: who, what, where → answer.
function block(lang, code) {
  const label = exampleLabels[lang];
  if (!label) return null;
  const caption = h("figcaption", {}, label, h("span", { class: "hint" }, " — run by the tests against the example snapshot"));
  if (lang !== "connsec-example") return h("figure", { class: "rule-example" }, caption, h("pre", { tabindex: "0" }, h("code", {}, code)));
  const f = Object.fromEntries(code.split("\n").map((l) => l.split(/:\s*(.*)/s).slice(0, 2).map((x) => x.trim())));
  return h("figure", { class: "rule-example" }, caption,
    h("p", { class: "example-line" },
      h("code", {}, f.subject), " ", h("code", {}, f.action), " on ", h("code", {}, f.resource),
      f.as_of ? [" as of ", h("code", {}, f.as_of)] : null,
      " → ", h("strong", { class: /^allowed/.test(f.answer) ? "ok" : "no" }, f.answer),
      f.reasons ? h("span", { class: "hint" }, ` (reasons: ${f.reasons})`) : null));
}

// contents is the table of contents: the sections (## headings) and their subsections (###).
function contents(headings) {
  const top = h("ul", { class: "toc" });
  let sub = null;
  for (const hd of headings) {
    if (hd.level === 2) {
      sub = null;
      top.append(h("li", {}, h("a", { href: `#${hd.id}`, "data-rules-anchor": hd.id }, hd.text)));
    } else if (hd.level === 3 && top.lastElementChild) {
      if (!sub) top.lastElementChild.append(sub = h("ul", {}));
      sub.append(h("li", {}, h("a", { href: `#${hd.id}`, "data-rules-anchor": hd.id }, hd.text)));
    }
  }
  return h("nav", { class: "help-toc", "aria-label": "Contents of the rules" }, h("h2", { class: "toc-title" }, "Contents"), top);
}

// go moves to a heading of the rules and gives it the focus, without touching the address's
// fragment (the workbench keeps shared scenarios there).
function go(article, id) {
  const target = [...article.querySelectorAll("[id]")].find((el) => el.id === id);
  if (!target) return;
  target.scrollIntoView({ block: "start" });
  target.focus({ preventScroll: true });
}

export async function renderHelp(panel) {
  if (panel.querySelector(".help-doc")) return; // the rules do not change with the snapshot
  clear(panel, h("h2", {}, "Help: the rules"), h("p", { class: "muted" }, "Loading the rules…"));
  let text;
  try {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    text = await res.text();
  } catch (err) {
    clear(panel, h("h2", {}, "Help: the rules"),
      h("p", { class: "error", role: "alert" }, `The rules reference could not be loaded (${err.message}). It is evaluator/RULES.md in the repository.`));
    return;
  }
  const { nodes, headings } = renderMarkdown(text, { link, block });
  const article = h("article", { class: "help-doc", "aria-label": "The rules" }, nodes);
  const layout = h("div", { class: "help" }, contents(headings), article);
  layout.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-rules-anchor]");
    if (!a) return;
    e.preventDefault();
    go(article, a.dataset.rulesAnchor);
  });
  clear(panel, layout);
}
