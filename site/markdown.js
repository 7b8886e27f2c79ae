// A small Markdown renderer for the subset the rules reference (rules.md) is written in:
// headings, paragraphs, lists, tables, fenced code, and inline code, links, bold and
// emphasis. It builds DOM nodes (no HTML strings), so nothing in a document can run as
// script. Heading anchors are made as GitHub makes them, so a link that works in the
// repository works here (fixtures/docs_test.go checks the links with the same rule).
import { h } from "./ui.js";

// slug is a heading's anchor: lower case, spaces to hyphens, other punctuation dropped.
export function slug(text) {
  return plain(text).toLowerCase().replace(/[^\p{L}\p{Nd}\s_-]/gu, "").replace(/ /g, "-");
}

// plain is the words of inline Markdown: link targets, code and emphasis marks left out.
function plain(text) {
  return text.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
}

const inlinePatterns = [
  { re: /`([^`]+)`/y, make: (m) => h("code", {}, m[1]) },
  { re: /\[([^\]]+)\]\(([^)\s]+)\)/y, make: (m, o) => o.link(m[2], inline(m[1], o)) },
  { re: /\*\*([^*]+)\*\*/y, make: (m, o) => h("strong", {}, inline(m[1], o)) },
  { re: /\*([^*\s][^*]*)\*/y, make: (m, o) => h("em", {}, inline(m[1], o)) },
];

// inline renders one run of text with its code spans, links, bold and emphasis.
function inline(text, o) {
  const out = [];
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    if (!"`[*".includes(text[i])) continue;
    for (const p of inlinePatterns) {
      p.re.lastIndex = i;
      const m = p.re.exec(text);
      if (!m) continue;
      if (i > plainFrom) out.push(text.slice(plainFrom, i));
      out.push(p.make(m, o));
      i += m[0].length - 1;
      plainFrom = i + 1;
      break;
    }
  }
  if (plainFrom < text.length) out.push(text.slice(plainFrom));
  return out;
}

// cells splits a table row on the pipes that are not inside a code span.
function cells(row) {
  const out = [];
  let cur = "", code = false;
  for (const ch of row.trim().replace(/^\|/, "").replace(/\|$/, "")) {
    if (ch === "`") code = !code;
    if (ch === "|" && !code) { out.push(cur.trim()); cur = ""; } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const fence = /^```(\S*)\s*$/;
const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const listItem = /^(\s*)([-*]|\d+\.)\s+(.*)$/;
const tableRule = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

// renderMarkdown turns a document into nodes, with the list of its headings
// ({level, text, id, el}). Headings go one level down (# is an h2), since the page has its h1.
// options.link(href, children) makes a link's node; options.block(lang, text) may make a
// fenced block's node (null: an ordinary code block).
export function renderMarkdown(text, options = {}) {
  const o = {
    link: options.link || ((href, children) => h("a", { href }, children)),
    block: options.block || (() => null),
  };
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const nodes = [];
  const headings = [];
  const seen = new Map();
  let para = [];
  const endPara = () => {
    if (para.length) nodes.push(h("p", {}, inline(para.join(" "), o)));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if ((m = fence.exec(line))) {
      endPara();
      const body = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      const code = body.join("\n");
      nodes.push(o.block(m[1], code) || h("pre", { tabindex: "0" }, h("code", m[1] ? { class: `lang-${m[1]}` } : {}, code)));
    } else if ((m = heading.exec(line))) {
      endPara();
      const level = Math.min(m[1].length + 1, 6);
      let id = slug(m[2]);
      const n = seen.get(id) || 0;
      seen.set(id, n + 1);
      if (n) id = `${id}-${n}`;
      const el = h(`h${level}`, { id, tabindex: "-1" }, inline(m[2], o));
      headings.push({ level: m[1].length, text: plain(m[2]), id, el });
      nodes.push(el);
    } else if (line.trim().startsWith("|") && i + 1 < lines.length && tableRule.test(lines[i + 1])) {
      endPara();
      const head = cells(line);
      const rows = [];
      for (i += 2; i < lines.length && lines[i].trim().startsWith("|"); i++) rows.push(cells(lines[i]));
      i--;
      nodes.push(h("div", { class: "table-scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, inline(c, o))))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, inline(c, o)))))))));
    } else if ((m = listItem.exec(line)) && m[1].length < 2) {
      endPara();
      const ordered = /\d/.test(m[2]);
      const items = [];
      let cur = [m[3]];
      for (i++; i < lines.length; i++) {
        const next = listItem.exec(lines[i]);
        if (next && next[1].length < 2 && /\d/.test(next[2]) === ordered) {
          items.push(cur);
          cur = [next[3]];
        } else if (/^\s{2,}\S/.test(lines[i])) {
          cur.push(lines[i].trim());
        } else break;
      }
      items.push(cur);
      i--;
      nodes.push(h(ordered ? "ol" : "ul", {}, items.map((it) => h("li", {}, inline(it.join(" "), o)))));
    } else if (line.trim() === "") {
      endPara();
    } else {
      para.push(line.trim());
    }
  }
  endPara();
  return { nodes, headings };
}
