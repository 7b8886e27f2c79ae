// `make run`: the worker in workerd on 127.0.0.1:8787 with local state, the example snapshot
// seeded (once: the state is kept between runs), and tokens to try it with. Ctrl-C stops it.
import { readFile, writeFile, access } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { startWrangler, token, workerDir, root } from "./test/wrangler.mjs";

const devVars = path.join(workerDir, ".dev.vars");
try {
  await access(devVars);
} catch {
  await writeFile(devVars, `CONNSEC_JWT_SECRET=${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  console.log(`made ${path.relative(root, devVars)} with a new local signing secret`);
}
const secret = (await readFile(devVars, "utf8")).match(/^CONNSEC_JWT_SECRET=(.*)$/m)[1].trim();
const port = Number(process.env.PORT || 8787);
const w = await startWrangler({ port, log: !!process.env.VERBOSE });
const stop = async () => { await w.stop(); process.exit(0); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"));
const admin = token(secret, "p-admin", { exp: Math.floor(Date.now() / 1000) + 8 * 3600 });
const seeded = await fetch(w.url + "/v1/snapshot", { method: "PUT", body: snapshot, headers: { authorization: `Bearer ${admin}` } });
const seedBody = await seeded.json();
const version = seedBody.version;
console.log(seeded.status === 200 ? `seeded the example snapshot (state ${version})` : `the writers already hold a snapshot (state ${version}); their state is in wasm/worker/.wrangler`);

const ttl = { exp: Math.floor(Date.now() / 1000) + 8 * 3600 };
console.log(`
connsec is running at ${w.url}/   (the workbench; the API at ${w.url}/access/v1/… and /v1/…)

  coordinator of Albany County DSS (p-1003):
    ${token(secret, "p-1003", ttl)}
  administrator (p-admin):
    ${admin}
  service (a policy enforcement point, service:pep):
    ${token(secret, "service:pep", ttl)}

  try:  curl -s -H "Authorization: Bearer <token>" ${w.url}/v1/me
  more tokens:  go run ./tools/connsec token --sub p-2003
Ctrl-C stops it.`);
await new Promise(() => {});
