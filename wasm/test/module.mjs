// Loads the connsec WebAssembly module under Node, the way the browser does: one instance,
// kept alive, called again and again through connsec.call.
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";

export async function loadModule(wasmPath) {
  const goroot = execFileSync("go", ["env", "GOROOT"]).toString().trim();
  await import(path.join(goroot, "lib", "wasm", "wasm_exec.js"));
  const go = new globalThis.Go();
  // GOGC and GOMEMLIMIT reach the module's Go runtime, to measure how collection pacing moves
  // the memory figure (wasm/bench/memory.mjs)
  go.env = Object.fromEntries(["GOGC", "GOMEMLIMIT"].filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  const ready = new Promise((resolve) => { globalThis.connsecReady = resolve; });
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), go.importObject);
  go.run(instance); // not awaited: the module stays alive
  await ready;
  return {
    call(method, args = {}) {
      return JSON.parse(globalThis.connsec.call(method, JSON.stringify(args)));
    },
    // callText passes the text itself as the arguments (load_text takes a snapshot so), as
    // its UTF-8 bytes, as the workbench does
    callText(method, text) {
      return JSON.parse(globalThis.connsec.call(method, new TextEncoder().encode(text)));
    },
    // memory is the module's WebAssembly.Memory, whose size is what the instance holds
    memory() {
      return instance.exports.mem;
    },
  };
}
