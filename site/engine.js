// The connsec module in the page: one WebAssembly instance (wasm/), started once and kept
// alive, called synchronously through connsec.call. The page decides nothing itself: every
// answer below comes from the module (SPEC §8).
let starting;

// start fetches and runs connsec.wasm; it resolves when connsec.call is there.
export function start() {
  starting ??= (async () => {
    const go = new globalThis.Go();
    const ready = new Promise((resolve) => { globalThis.connsecReady = resolve; });
    let instance;
    try {
      ({ instance } = await WebAssembly.instantiateStreaming(fetch("connsec.wasm"), go.importObject));
    } catch {
      // a static host that does not send application/wasm
      const bytes = await (await fetch("connsec.wasm")).arrayBuffer();
      ({ instance } = await WebAssembly.instantiate(bytes, go.importObject));
    }
    go.run(instance); // not awaited: the module stays alive between calls
    await ready;
  })();
  return starting;
}

// call runs one method; the answer is {ok, result} or {ok: false, error: {code, message, …}}.
export function call(method, args = {}) {
  return JSON.parse(globalThis.connsec.call(method, JSON.stringify(args)));
}

// must is call for answers that cannot fail once a snapshot is loaded; a failure throws.
export function must(method, args) {
  const r = call(method, args);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result;
}

// loadText opens a snapshot given as its text or its UTF-8 bytes (the module's load_text
// method). The module takes bytes: handed a string, it would copy it twice into its memory,
// which never shrinks (60 MB for good for a 30 MB snapshot).
export function loadText(text) {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return JSON.parse(globalThis.connsec.call("load_text", bytes));
}
