// The Node half of the figures, in a process of its own (one module, one snapshot): load,
// checks through connsec.call, allowed in one call, one what-if. Prints JSON.
import { readFile } from "node:fs/promises";
import { loadModule } from "../../wasm/test/module.mjs";

const [wasm, snapshotFile, requestsFile] = process.argv.slice(2);
const mod = await loadModule(wasm);
const text = await readFile(snapshotFile, "utf8");
const { requests, batch, loops } = JSON.parse(await readFile(requestsFile, "utf8"));
const out = {};
let t0 = performance.now();
if (!JSON.parse(globalThis.connsec.call("load_text", text)).ok) throw new Error("load_text refused the snapshot");
out.loadTextMs = performance.now() - t0;
t0 = performance.now();
if (!mod.call("load", { snapshot: text }).ok) throw new Error("load refused the snapshot");
out.loadJSONMs = performance.now() - t0;
const args = requests.map((r) => JSON.stringify(r));
const call = globalThis.connsec.call;
for (let i = 0; i < 200; i++) call("check", args[i % args.length]);
t0 = performance.now();
for (let i = 0; i < loops; i++) call("check", args[i % args.length]);
out.checkUs = ((performance.now() - t0) / loops) * 1000;
const all = JSON.stringify({ requests });
call("allowed", all);
t0 = performance.now();
out.allowedOk = JSON.parse(call("allowed", all)).ok;
out.allowedUs = ((performance.now() - t0) / requests.length) * 1000;
t0 = performance.now();
out.accepted = JSON.parse(call("whatif", JSON.stringify({ batch }))).result.accepted;
out.whatifMs = performance.now() - t0;
console.log(JSON.stringify(out));
process.exit(0);
