// Ledger is the single writer (README "Architecture"): one Durable Object, so one order of
// edits. Its long-lived Go instance serves the requests routed here (edits and seeds) with
// edge.Ledger, which decides what is stored and when; this class gives it SQLite storage
// (the journal below: the append-only log, the answers kept by Idempotency-Key, checkpoints)
// and answers the readers' questions (/version, /snapshot, /log).
import { startGo } from "./go.mjs";

const PART = 1 << 20; // checkpoint bytes per row (a row holds about 2 MB)

export class Ledger {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    const sql = (this.sql = state.storage.sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS log (version INTEGER PRIMARY KEY, entry TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, hash TEXT NOT NULL, answer TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (version INTEGER PRIMARY KEY, parts INTEGER NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoint_parts (version INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, part));`);
    // The journal edge.Ledger records through; each call is synchronous, and record is one
    // transaction: all of an outcome is stored, or none of it (and Go is told).
    this.journal = {
      kept: (key) => {
        const row = sql.exec("SELECT hash, answer FROM answers WHERE key = ?", key).toArray()[0];
        return row ? `{"hash":${JSON.stringify(row.hash)},"answer":${row.answer}}` : null;
      },
      record: (text) => {
        const r = JSON.parse(text);
        state.storage.transactionSync(() => {
          if (r.entry) sql.exec("INSERT INTO log (version, entry) VALUES (?, ?)", r.entry.version, JSON.stringify(r.entry));
          if (r.key) sql.exec("INSERT INTO answers (key, hash, answer) VALUES (?, ?, ?)", r.key, r.hash, JSON.stringify(r.answer));
          if (r.checkpoint != null) this.checkpoint(r.version, r.checkpoint);
        });
      },
      entries: (since) => this.entries(since),
      checkpoint: () => this.latestCheckpoint(),
    };
    state.blockConcurrencyWhile(async () => {
      this.go = await startGo(env, {}, { role: "ledger", journal: this.journal });
      if (this.go.bootError) throw new Error(`the ledger could not start: ${this.go.bootError}`);
    });
  }

  entries(since) {
    const rows = this.sql.exec("SELECT entry FROM log WHERE version > ? ORDER BY version", Number(since)).toArray();
    return "[" + rows.map((r) => r.entry).join(",") + "]";
  }

  checkpoint(version, text) {
    const bytes = new TextEncoder().encode(text);
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

  latestCheckpoint() {
    const cp = this.sql.exec("SELECT version, parts, bytes FROM checkpoints ORDER BY version DESC LIMIT 1").toArray()[0];
    if (!cp) return null;
    const parts = this.sql.exec("SELECT data FROM checkpoint_parts WHERE version = ? ORDER BY part", cp.version).toArray();
    const bytes = new Uint8Array(cp.bytes);
    let at = 0;
    for (const p of parts) { bytes.set(new Uint8Array(p.data), at); at += p.data.byteLength; }
    if (parts.length !== cp.parts || at !== cp.bytes) throw new Error(`checkpoint ${cp.version} is incomplete`);
    return new TextDecoder().decode(bytes);
  }

  async fetch(request) {
    const url = new URL(request.url);
    try {
      switch (`${request.method} ${url.pathname}`) {
        case "GET /version":
          return new Response(String(this.go.ledgerVersion()));
        case "GET /snapshot": {
          const text = this.go.ledgerSnapshot();
          return text === null ? new Response("", { status: 404 }) : new Response(text, { headers: { "content-type": "application/json" } });
        }
        case "GET /log":
          return new Response(this.entries(url.searchParams.get("since") || 0), { headers: { "content-type": "application/json" } });
      }
      return await this.go.handleRequest(request);
    } catch (e) {
      return Response.json({ error: { code: "failed", message: `the edit ledger failed: ${e.message}` } }, { status: 500 });
    }
  }
}
