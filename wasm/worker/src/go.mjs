// Starts one instance of the connsec Go module (build/app.wasm) and waits until it is ready.
// The instance stays alive: its `binding` object carries handleRequest (the API, through
// syumai/workers). `more` adds to what Go finds in its context (a Shard object's role, name
// and journal).
import "../build/wasm_exec.js";
import mod from "../build/app.wasm";

export async function startGo(env, ctx, more = {}) {
  const binding = {};
  const go = new globalThis.Go();
  let ready;
  const isReady = new Promise((resolve) => { ready = resolve; });
  const instance = new WebAssembly.Instance(mod, { ...go.importObject, workers: { ready: () => ready() } });
  // fetch is handed over bound: workerd refuses a fetch called on another `this`, as Go's
  // js.Global().Call("fetch") does.
  const exited = go.run(instance, { env, ctx, binding, fetch: (input, init) => fetch(input, init), ...more });
  await Promise.race([isReady, exited.then(() => { throw new Error("the connsec module stopped while starting"); })]);
  binding.exited = () => go.exited;
  return binding;
}
