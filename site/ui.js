// Small DOM tools shared by the panels: element building, downloads, CSV, suggestions.

// h builds an element: h("button", {class: "x", onclick}, "text", child…). Attributes whose
// value is false, null or undefined are left out; on* attributes become listeners.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c);
  return el;
}

let idSeq = 0;
export function uid(prefix = "f") { return `${prefix}-${++idSeq}`; }

// field is a label and its control, as two grid cells of .grid-form.
export function field(label, control, hint) {
  control.id ||= uid();
  return [h("label", { for: control.id }, label, hint ? h("span", { class: "hint" }, " " + hint) : null), control];
}

export function download(name, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// csv writes rows (arrays of values) as RFC 4180 text.
export function csv(header, rows) {
  const cell = (v) => {
    const s = v == null ? "" : Array.isArray(v) ? v.join("; ") : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

// suggest keeps a datalist filled with the best few matches of what is typed into input, so a
// list of 5,000 people or 50,000 pages never sits in the DOM whole.
export function suggest(input, datalist, items, limit = 40) {
  input.setAttribute("list", datalist.id);
  const fill = () => {
    const q = input.value.trim().toLowerCase();
    const out = [];
    for (const it of items()) {
      if (!q || it.key.toLowerCase().includes(q) || it.label.toLowerCase().includes(q)) {
        out.push(h("option", { value: it.key }, it.label));
        if (out.length >= limit) break;
      }
    }
    datalist.replaceChildren(...out);
  };
  input.addEventListener("input", fill);
  input.addEventListener("focus", fill);
}

export function fmtBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${Math.round(n / 1e3)} kB` : `${n} bytes`;
}

export const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

// confirmStep asks, inside the page, before an action that changes something a person cannot
// easily take back (push to the server, apply, clear): the question names what will happen,
// the confirming button repeats it, and focus moves to that button so Enter confirms and
// Escape (or "Cancel") takes the question away. It draws into where, replacing what was there.
export function confirmStep(where, { question, yes, id = "confirm", onYes }) {
  const cancel = () => { where.replaceChildren(); };
  const yesBtn = h("button", { type: "button", class: "primary", id: `${id}-yes`, onclick: () => { cancel(); onYes(); } }, yes);
  const box = h("div", { class: "confirm", id, role: "alertdialog", "aria-label": question },
    h("p", {}, question), h("div", { class: "row" }, yesBtn,
      h("button", { type: "button", id: `${id}-no`, onclick: cancel }, "Cancel")));
  box.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } });
  where.replaceChildren(box);
  yesBtn.focus();
}
