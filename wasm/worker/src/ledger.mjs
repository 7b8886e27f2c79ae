// Ledger is the single writer (README "Architecture"): one Durable Object, so one order of
// edits. It holds the model in a long-lived Go instance and keeps, in its SQLite storage, the
// append-only log of accepted batches, the answers given per Idempotency-Key, and checkpoints
// of the snapshot. Everything is judged by Go (edge.Commit); this class only stores.
import { startGo } from "./go.mjs";

const CHECKPOINT_EVERY = 100; // versions between checkpoints
const PART = 1 << 20;         // checkpoint text per row (rows hold about 2 MB)

export class Ledger {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    this.sql = state.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS log (version INTEGER PRIMARY KEY, key TEXT, at TEXT NOT NULL, batch TEXT NOT NULL, entry TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (version INTEGER PRIMARY KEY, parts INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoint_parts (version INTEGER NOT NULL, part INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (version, part));`);
    state.blockConcurrencyWhile(() => this.boot());
  }

  // boot loads the newest checkpoint and replays the log after it.
  async boot() {
    this.go = await startGo(this.env, {});
    const cp = this.sql.exec("SELECT version, parts FROM checkpoints ORDER BY version DESC LIMIT 1").toArray()[0];
    if (!cp) return;
    const parts = this.sql.exec("SELECT text FROM checkpoint_parts WHERE version = ? ORDER BY part", cp.version).toArray();
    if (parts.length !== cp.parts) throw new Error(`checkpoint ${cp.version} is incomplete`);
    const loaded = JSON.parse(this.go.writerLoad(parts.map((p) => p.text).join("")));
    if (loaded.error) throw new Error(`checkpoint ${cp.version} does not load: ${loaded.error}`);
    for (const row of this.sql.exec("SELECT version, at, batch FROM log WHERE version > ? ORDER BY version", cp.version)) {
      const r = JSON.parse(this.go.writerCommit(row.batch, row.at));
      if (r.status !== 200 || r.version !== row.version) {
        throw new Error(`replaying version ${row.version} gave ${r.status} at version ${r.version}`);
      }
    }
  }

  checkpoint(version) {
    const text = this.go.writerSnapshot();
    const parts = Math.max(1, Math.ceil(text.length / PART));
    for (let i = 0; i < parts; i++) {
      this.sql.exec("INSERT OR REPLACE INTO checkpoint_parts (version, part, text) VALUES (?, ?, ?)", version, i, text.slice(i * PART, (i + 1) * PART));
    }
    this.sql.exec("INSERT OR REPLACE INTO checkpoints (version, parts) VALUES (?, ?)", version, parts);
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
          return text === null ? new Response("", { status: 404 }) : new Response(text, { headers: { "content-type": "application/json" } });
        }
        case "GET /log": {
          const since = Number(url.searchParams.get("since") || 0);
          const rows = this.sql.exec("SELECT version, at, batch, entry FROM log WHERE version > ? ORDER BY version", since).toArray();
          const body = "[" + rows.map((r) => `{"version":${r.version},"at":${JSON.stringify(r.at)},"batch":${r.batch},"entry":${r.entry}}`).join(",") + "]";
          return new Response(body, { headers: { "content-type": "application/json" } });
        }
        case "PUT /seed":
          return this.seed(await request.text());
        case "POST /submit": {
          const { batch, key } = await request.json();
          return this.submit(batch, key || "");
        }
      }
      return new Response("", { status: 404 });
    } catch (e) {
      return new Response(`the ledger failed: ${e.message}`, { status: 500 });
    }
  }

  seed(text) {
    if (this.go.writerVersion() >= 0) {
      return Response.json({ status: 409, body: { error: { code: "seeded", message: "the ledger has a snapshot already; change it with edits" }, version: this.go.writerVersion() } });
    }
    const loaded = JSON.parse(this.go.writerLoad(text));
    if (loaded.error) return Response.json({ status: 422, body: { error: { code: "invalid_snapshot", message: loaded.error } } });
    this.state.storage.transactionSync(() => this.checkpoint(loaded.version));
    return Response.json({ status: 200, body: { version: loaded.version } });
  }

  // submit judges one batch and makes it durable before answering: the log row, the answer
  // under its key, and every CHECKPOINT_EVERY versions a checkpoint, in one transaction.
  async submit(batch, key) {
    if (key) {
      const prior = this.sql.exec("SELECT status, body FROM answers WHERE key = ?", key).toArray()[0];
      if (prior) return new Response(`{"status":${prior.status},"body":${prior.body}}`, { headers: { "content-type": "application/json" } });
    }
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const r = JSON.parse(this.go.writerCommit(batch, at));
    const body = JSON.stringify(r.body);
    try {
      this.state.storage.transactionSync(() => {
        if (r.status === 200) {
          this.sql.exec("INSERT INTO log (version, key, at, batch, entry) VALUES (?, ?, ?, ?, ?)", r.version, key, at, batch, JSON.stringify(r.entry));
          if (r.version % CHECKPOINT_EVERY === 0) this.checkpoint(r.version);
        }
        if (key && r.status !== 409) this.sql.exec("INSERT INTO answers (key, status, body) VALUES (?, ?, ?)", key, r.status, body);
      });
    } catch (e) {
      // Storage refused: the Go model is ahead of what is durable. Start again from storage.
      await this.boot();
      throw e;
    }
    return new Response(`{"status":${r.status},"body":${body}}`, { headers: { "content-type": "application/json" } });
  }
}
