// Starts and stops `wrangler dev` (workerd, local state, no login, no outside network) for
// `make run`, the tests and the figures.
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const workerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const root = path.resolve(workerDir, "../..");

const quiet = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" };

// startWrangler runs wrangler dev on 127.0.0.1:port with its state in persistTo, and resolves
// once the worker answers. Its inspector listens on port + 10000, not on wrangler's fixed 9229,
// so that two test runs on one machine (each on its own port) do not stop each other.
export async function startWrangler({ port = 8787, persistTo, config = "wrangler.jsonc", cwd = workerDir, log = false, vars = {} } = {}) {
  const args = ["wrangler", "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(port + 10000),
    "--config", config, "--show-interactive-dev-session=false"];
  if (persistTo) args.push("--persist-to", persistTo);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, { cwd, env: { ...process.env, ...quiet }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d) => { output += d; if (log) process.stderr.write(d); };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev stopped:\n${output}`);
    try {
      const r = await fetch(url + "/healthz");
      if (r.status < 500) break;
    } catch {}
    if (Date.now() > deadline) {
      process.kill(-child.pid, "SIGTERM");
      throw new Error(`wrangler dev did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        try { process.kill(-child.pid, "SIGTERM"); } catch {}
        const timer = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} }, 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

const b64 = (s) => Buffer.from(s).toString("base64url");

// token mints an HS256 JWT the way `connsec token` does; claims override the defaults.
export function token(secret, sub, claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64(JSON.stringify({ sub, iat: now, nbf: now - 60, exp: now + 3600, ...claims }));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

// unsigned is an "alg": "none" token.
export function unsigned(sub) {
  const now = Math.floor(Date.now() / 1000);
  return `${b64(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64(JSON.stringify({ sub, exp: now + 3600 }))}.`;
}

// startNative builds the native server (go run ./wasm/worker) into dir and runs it on the
// snapshot file with development tokens on secret, and resolves once it answers.
export async function startNative({ dir, snapshot, secret, port }) {
  const bin = path.join(dir, "native");
  execFileSync("go", ["build", "-o", bin, "./wasm/worker"], { cwd: root, stdio: "inherit" });
  const child = spawn(bin, [], { env: { ...process.env, CONNSEC_SNAPSHOT: snapshot, CONNSEC_JWT_SECRET: secret, PORT: String(port), CONNSEC_ADDR: "" }, stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr.on("data", (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the native server stopped:\n${output}`);
    try {
      if ((await fetch(url + "/healthz")).ok) break;
    } catch {}
    if (Date.now() > deadline) { child.kill(); throw new Error(`the native server did not answer:\n${output}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => new Promise((resolve) => { child.on("exit", resolve); child.kill(); }) };
}
