// A virtualized table: filter, sort, CSV export, and only the rows in view are in the DOM,
// so 50,000 rows scroll as smoothly as 50.
import { h, csv, download, uid } from "./ui.js";

const ROW = 28; // px, every row the same height

// dataTable renders into el. columns: [{key, label, width, value?(row) → text, cls?(row)}].
// Returns {setRows(rows), rows(): the filtered and sorted rows}.
export function dataTable(el, columns, { name = "table", label = name, height = 420, onRow } = {}) {
  let all = [], shown = [], sortKey = null, sortDir = 1, filter = "";
  const text = (c, r) => String((c.value ? c.value(r) : r[c.key]) ?? "");
  // a flexible column never shrinks below 10rem: on a narrow screen the table scrolls
  // sideways instead of cutting its columns down to a letter each
  const widths = columns.map((c) => c.width || "1fr");
  const template = widths.map((w) => (/fr$/.test(w) ? `minmax(10rem, ${w})` : w)).join(" ");
  const minWidth = widths.reduce((sum, w) => sum + (/rem$/.test(w) ? parseFloat(w) : 10), 0);

  const filterInput = h("input", { type: "search", id: uid("filter"), placeholder: "Filter…", "aria-label": `Filter ${label}` });
  const count = h("span", { class: "muted", "aria-live": "polite" });
  const exportBtn = h("button", { type: "button" }, "Export CSV");
  const headButtons = columns.map((c) => h("button", { type: "button", "data-key": c.key }, c.label));
  const head = h("div", { class: "vt-head", role: "row", style: `grid-template-columns:${template};min-width:${minWidth}rem` },
    headButtons.map((b, i) => h("div", { role: "columnheader", "aria-sort": "none", "data-i": i }, b)));
  const spacer = h("div", { style: "height:0" });
  const body = h("div", { class: "vt-body", role: "rowgroup", tabindex: "0", style: `height:${height}px;min-width:${minWidth}rem`, "aria-label": `${label} rows` }, spacer);
  const table = h("div", { class: "vt", role: "table", "aria-label": label }, h("div", { role: "rowgroup" }, head), body);
  el.replaceChildren(h("div", { class: "vt-tools" }, filterInput, exportBtn, count), table);

  function apply() {
    const q = filter.toLowerCase();
    shown = q ? all.filter((r) => columns.some((c) => text(c, r).toLowerCase().includes(q))) : all.slice();
    if (sortKey) {
      const c = columns.find((x) => x.key === sortKey);
      const coll = new Intl.Collator(undefined, { numeric: true });
      shown.sort((a, b) => sortDir * coll.compare(text(c, a), text(c, b)));
    }
    count.textContent = shown.length === all.length ? `${all.length} rows` : `${shown.length} of ${all.length} rows`;
    table.setAttribute("aria-rowcount", String(shown.length + 1));
    spacer.style.height = `${shown.length * ROW}px`;
    paint(true);
  }

  let painted = [-1, -1];
  function paint(force) {
    const first = Math.max(0, Math.floor(body.scrollTop / ROW) - 5);
    const last = Math.min(shown.length, first + Math.ceil(height / ROW) + 10);
    if (!force && first === painted[0] && last === painted[1]) return;
    painted = [first, last];
    // the row that has the focus is drawn again as the rows move: it keeps the focus
    const had = document.activeElement?.parentElement === body ? Number(document.activeElement.dataset.i) : -1;
    const rows = [];
    for (let i = first; i < last; i++) {
      const r = shown[i];
      const row = h("div", { class: "vt-row", role: "row", "aria-rowindex": String(i + 2), "data-i": String(i), style: `top:${i * ROW}px;height:${ROW}px;line-height:${ROW}px;grid-template-columns:${template}` },
        columns.map((c) => {
          const t = text(c, r);
          return h("div", { role: "cell", title: t, class: c.cls ? c.cls(r) : null }, t);
        }));
      if (onRow) {
        row.tabIndex = 0;
        row.addEventListener("click", () => onRow(r));
        row.addEventListener("keydown", (e) => {
          if (e.key === "Enter") onRow(r);
          if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); focusRow(i + (e.key === "ArrowDown" ? 1 : -1)); }
        });
      }
      rows.push(row);
    }
    body.replaceChildren(spacer, ...rows);
    if (had >= first && had < last) rows[had - first].focus({ preventScroll: true });
  }

  // focusRow moves the focus to row i, scrolling it into view (and drawn) first
  function focusRow(i) {
    if (i < 0 || i >= shown.length) return;
    if (i * ROW < body.scrollTop) body.scrollTop = i * ROW;
    else if ((i + 1) * ROW > body.scrollTop + body.clientHeight) body.scrollTop = (i + 1) * ROW - body.clientHeight;
    paint(false);
    body.querySelector(`[data-i="${i}"]`)?.focus({ preventScroll: true });
  }

  body.addEventListener("scroll", () => paint(false), { passive: true });
  filterInput.addEventListener("input", () => { filter = filterInput.value; body.scrollTop = 0; apply(); });
  head.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    sortDir = sortKey === b.dataset.key ? -sortDir : 1;
    sortKey = b.dataset.key;
    for (const th of head.children) th.setAttribute("aria-sort", "none");
    b.parentElement.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
    apply();
  });
  exportBtn.addEventListener("click", () => {
    download(`${name}.csv`, csv(columns.map((c) => c.key), shown.map((r) => columns.map((c) => text(c, r)))), "text/csv");
  });

  return {
    setRows(rows) { all = rows; apply(); },
    rows: () => shown,
  };
}
