// Starts one instance of the connsec Go module (build/app.wasm) and waits until it is ready.
// The instance stays alive: its `binding` object carries handleRequest (the API, through
// syumai/workers) and the writer's functions (writerLoad, writerCommit, …).
import "../build/wasm_exec.js";
import mod from "../build/app.wasm";

export async function startGo(env, ctx) {
  const binding = {};
  const go = new globalThis.Go();
  let ready;
  const isReady = new Promise((resolve) => { ready = resolve; });
  const instance = new WebAssembly.Instance(mod, { ...go.importObject, workers: { ready: () => ready() } });
  const exited = go.run(instance, { env, ctx, binding });
  await Promise.race([isReady, exited.then(() => { throw new Error("the connsec module stopped while starting"); })]);
  binding.exited = () => go.exited;
  return binding;
}
