// Writes examples/index.json: the bundled snapshot and scenario files the Open panel lists,
// with their titles (run by `make site` after the files are copied).
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const dir = process.argv[2] || "examples";
const scenarios = [];
for (const f of (await readdir(path.join(dir, "scenarios"))).sort()) {
  if (!f.endsWith(".json")) continue;
  const doc = JSON.parse(await readFile(path.join(dir, "scenarios", f), "utf8"));
  scenarios.push({ file: "examples/scenarios/" + f, title: doc.title || f });
}
const index = {
  snapshots: [{ file: "examples/example/snapshot.json", title: "Example: Albany County DSS and St. Anne's Family Services" }],
  scenarios,
};
await writeFile(path.join(dir, "index.json"), JSON.stringify(index, null, 1) + "\n");
console.log(`${dir}/index.json: ${index.snapshots.length} snapshot, ${scenarios.length} scenarios`);
