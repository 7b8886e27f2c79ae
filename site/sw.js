// The service worker: the app shell, the module and the bundled examples are cached on the
// first visit, so the workbench opens and works offline afterwards. Shell files are served
// from the cache and refreshed from the network behind the scenes; everything else (a
// ?snapshot= address, the edge worker's /v1/ and /.well-known/ routes) goes to the network.
const CACHE = "connsec-site-v1";
const SHELL = [
  "./", "index.html", "style.css", "manifest.webmanifest", "wasm_exec.js", "connsec.wasm",
  "app.js", "engine.js", "state.js", "ui.js", "table.js", "browse.js", "check.js", "lists.js",
  "whatif.js", "ops.js", "reports.js", "scenarios.js", "share.js", "edge.js", "names.js", "tasks.js", "map.js", "review.js", "suggest.js",
  "help.js", "markdown.js", "rules.md",
  "examples/index.json", "examples/example/snapshot.json",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const shellPaths = new Set(SHELL.map((p) => new URL(p, self.registration.scope).pathname));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  const inShell = shellPaths.has(url.pathname) || url.pathname.startsWith(new URL("examples/", self.registration.scope).pathname);
  if (!inShell) return;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const key = url.pathname; // ?snapshot=… and #… do not make another copy of the shell
    const cached = await cache.match(key);
    const fresh = fetch(event.request).then((res) => {
      if (res.ok) cache.put(key, res.clone());
      return res;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  }));
});
