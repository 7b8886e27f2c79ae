// Ledger is the single writer (README "Architecture"): one Durable Object, so one order of
// edits. It holds the model in a long-lived Go instance and keeps, in its SQLite storage, the
// append-only log of accepted batches, the answers given per Idempotency-Key, and checkpoints
// of the snapshot. Everything is judged by Go (edge.Commit); this class only stores.
import { startGo } from "./go.mjs";

const CHECKPOINT_EVERY = 100; // versions between checkpoints
const PART = 1 << 20;         // checkpoint bytes per row (a row holds about 2 MB)
const JUDGED = new Set([200, 403, 422]); // answers remembered under their key

const json = (text) => new Response(text, { headers: { "content-type": "application/json" } });

async function sha256(text) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Ledger {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    this.sql = state.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS log (version INTEGER PRIMARY KEY, key TEXT, at TEXT NOT NULL, batch TEXT NOT NULL, entry TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (version INTEGER PRIMARY KEY, parts INTEGER NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoint_parts (version INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, part));`);
    state.blockConcurrencyWhile(() => this.boot());
  }

  // boot loads the newest checkpoint and applies the log after it again, then checkpoints
  // what it replayed, so the next boot starts from there.
  async boot() {
    this.go = await startGo(this.env, {});
    const cp = this.sql.exec("SELECT version, parts, bytes FROM checkpoints ORDER BY version DESC LIMIT 1").toArray()[0];
    if (!cp) return;
    const parts = this.sql.exec("SELECT data FROM checkpoint_parts WHERE version = ? ORDER BY part", cp.version).toArray();
    const bytes = new Uint8Array(cp.bytes);
    let at = 0;
    for (const p of parts) { bytes.set(new Uint8Array(p.data), at); at += p.data.byteLength; }
    if (parts.length !== cp.parts || at !== cp.bytes) throw new Error(`checkpoint ${cp.version} is incomplete`);
    const loaded = JSON.parse(this.go.writerLoad(new TextDecoder().decode(bytes)));
    if (loaded.error) throw new Error(`checkpoint ${cp.version} does not load: ${loaded.error}`);
    let replayed = 0;
    for (const row of this.sql.exec("SELECT version, at, batch FROM log WHERE version > ? ORDER BY version", cp.version)) {
      const r = JSON.parse(this.go.writerReplay(row.batch, row.at));
      if (r.error || r.version !== row.version) throw new Error(`replaying version ${row.version}: ${r.error || "it made version " + r.version}`);
      replayed++;
    }
    if (replayed) this.state.storage.transactionSync(() => this.checkpoint(this.go.writerVersion()));
  }

  checkpoint(version) {
    const bytes = new TextEncoder().encode(this.go.writerSnapshot());
    const parts = Math.max(1, Math.ceil(bytes.length / PART));
    this.sql.exec("DELETE FROM checkpoint_parts WHERE version = ?", version);
    for (let i = 0; i < parts; i++) {
      this.sql.exec("INSERT INTO checkpoint_parts (version, part, data) VALUES (?, ?, ?)", version, i, bytes.subarray(i * PART, (i + 1) * PART));
    }
    this.sql.exec("INSERT OR REPLACE INTO checkpoints (version, parts, bytes) VALUES (?, ?, ?)", version, parts, bytes.length);
    // older checkpoints are no longer needed; the log is kept whole (GET /v1/log)
    this.sql.exec("DELETE FROM checkpoint_parts WHERE version < ?", version);
    this.sql.exec("DELETE FROM checkpoints WHERE version < ?", version);
  }

  async fetch(request) {
    const url = new URL(request.url);
    try {
      switch (`${request.method} ${url.pathname}`) {
        case "GET /version":
          return new Response(String(this.go.writerVersion()));
        case "GET /snapshot": {
          const text = this.go.writerSnapshot();
          return text === null ? new Response("", { status: 404 }) : json(text);
        }
        case "GET /log": {
          const since = Number(url.searchParams.get("since") || 0);
          const rows = this.sql.exec("SELECT version, at, batch, entry FROM log WHERE version > ? ORDER BY version", since).toArray();
          return json("[" + rows.map((r) => `{"version":${r.version},"at":${JSON.stringify(r.at)},"batch":${r.batch},"entry":${r.entry}}`).join(",") + "]");
        }
        case "PUT /seed":
          return this.seed(await request.text());
        case "POST /submit": {
          const { batch, key } = await request.json();
          return await this.submit(batch, key || "");
        }
      }
      return new Response("", { status: 404 });
    } catch (e) {
      return new Response(`the edit ledger failed: ${e.message}`, { status: 500 });
    }
  }

  seed(text) {
    if (this.go.writerVersion() >= 0) {
      return Response.json({ status: 409, body: { error: { code: "seeded", message: "the service holds a snapshot already; change it with edits" }, version: this.go.writerVersion() } });
    }
    const loaded = JSON.parse(this.go.writerLoad(text));
    if (loaded.error) return Response.json({ status: 422, body: { error: { code: "invalid_snapshot", message: loaded.error } } });
    this.state.storage.transactionSync(() => this.checkpoint(loaded.version));
    return Response.json({ status: 200, body: { version: loaded.version } });
  }

  // submit judges one batch and makes it durable before answering: the log row, the answer
  // under its key, and every CHECKPOINT_EVERY versions a checkpoint, in one transaction. A key
  // is bound to its batch: sent again with another batch it is refused.
  async submit(batch, key) {
    const hash = key ? await sha256(batch) : "";
    if (key) {
      const prior = this.sql.exec("SELECT hash, status, body FROM answers WHERE key = ?", key).toArray()[0];
      if (prior && prior.hash !== hash) {
        return Response.json({ status: 422, body: { error: { code: "idempotency_key_reused", message: "this Idempotency-Key was used for another batch; send a new key with a new batch" } } });
      }
      if (prior) return json(`{"status":${prior.status},"body":${prior.body}}`);
    }
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const r = JSON.parse(this.go.writerCommit(batch, at));
    const body = JSON.stringify(r.body);
    try {
      this.state.storage.transactionSync(() => {
        if (r.status === 200) {
          const { edits, ...entry } = r.entry; // the edits are kept once, in the batch
          this.sql.exec("INSERT INTO log (version, key, at, batch, entry) VALUES (?, ?, ?, ?, ?)", r.version, key, at, batch, JSON.stringify(entry));
          if (r.version % CHECKPOINT_EVERY === 0) this.checkpoint(r.version);
        }
        if (key && JUDGED.has(r.status)) this.sql.exec("INSERT INTO answers (key, hash, status, body) VALUES (?, ?, ?, ?)", key, hash, r.status, body);
      });
    } catch (e) {
      // Storage refused the write: the Go model is ahead of what is durable. Reset the object;
      // the next request boots it again from storage.
      if (typeof this.state.abort === "function") this.state.abort(`storage failed: ${e.message}`);
      throw e;
    }
    return json(`{"status":${r.status},"body":${body}}`);
  }
}
