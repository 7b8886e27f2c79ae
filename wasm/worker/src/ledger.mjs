// Ledger is the writer of every shard (README "Architecture"): one Durable Object, so one
// order of edits. Its long-lived Go instance serves the requests routed here (edits and
// seeds) with edge.Ledger, which routes each batch to the shard it acts on and decides what
// is stored and when; this class gives it SQLite storage (the journal below: each shard's
// append-only log and the answers it keeps by Idempotency-Key, and checkpoints of the whole
// state) and answers the readers' questions (/version, /snapshot, /log; /directory and
// /agency?id= for the readers' agency models; /export and /export/agency for the
// administrator's export).
import { startGo } from "./go.mjs";

const PART = 1 << 20; // checkpoint bytes per row (a row holds about 2 MB)

const CHUNK = 256 << 10; // an export's piece is sent in chunks of this size

// carried is the Response of an answer Go made: {status, type, versions, body}; inChunks
// sends its body CHUNK bytes at a time, so that the reader reading it holds one chunk.
function carried(a, inChunks = false) {
  let body = a.body;
  if (inChunks && a.status === 200) {
    let at = 0;
    body = new ReadableStream({
      pull(c) {
        if (at >= a.body.length) { c.close(); return; }
        c.enqueue(a.body.subarray(at, at + CHUNK));
        at += CHUNK;
      },
    });
  }
  return new Response(body, { status: a.status, headers: { "content-type": a.type, "x-connsec-versions": a.versions } });
}

export class Ledger {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    const sql = (this.sql = state.storage.sql);
    // shard is "agency:<id>" or "directory"; version is the shard's, seq the whole state's
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_log (shard TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL UNIQUE, entry TEXT NOT NULL, PRIMARY KEY (shard, version));
      CREATE TABLE IF NOT EXISTS shard_answers (shard TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (shard, key));
      CREATE TABLE IF NOT EXISTS state_checkpoints (id INTEGER PRIMARY KEY, versions TEXT NOT NULL, parts INTEGER NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS state_checkpoint_parts (id INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (id, part));`);
    // The journal edge.Ledger records through; each call is synchronous, and record is one
    // transaction: all of an outcome is stored, or none of it (and Go is told).
    this.journal = {
      kept: (shard, key) => {
        const row = sql.exec("SELECT hash, answer FROM shard_answers WHERE shard = ? AND key = ?", shard, key).toArray()[0];
        return row ? `{"hash":${JSON.stringify(row.hash)},"answer":${row.answer}}` : null;
      },
      record: (shard, text) => {
        const r = JSON.parse(text);
        state.storage.transactionSync(() => {
          if (r.entry) sql.exec("INSERT INTO shard_log (shard, version, seq, entry) VALUES (?, ?, ?, ?)", shard, r.entry.shard_version, r.entry.version, JSON.stringify(r.entry));
          if (r.key) sql.exec("INSERT INTO shard_answers (shard, key, hash, answer) VALUES (?, ?, ?, ?)", shard, r.key, r.hash, JSON.stringify(r.answer));
        });
      },
      entries: (shard, since) => {
        const rows = sql.exec("SELECT entry FROM shard_log WHERE shard = ? AND version > ? ORDER BY version", shard, Number(since)).toArray();
        return "[" + rows.map((r) => r.entry).join(",") + "]";
      },
      shards: () => JSON.stringify(sql.exec("SELECT DISTINCT shard FROM shard_log ORDER BY shard").toArray().map((r) => r.shard)),
      checkpoint: () => this.latestCheckpoint(),
      saveCheckpoint: (versions, text) => state.storage.transactionSync(() => this.checkpoint(versions, text)),
    };
    state.blockConcurrencyWhile(async () => {
      this.go = await startGo(env, {}, { role: "ledger", journal: this.journal });
      if (this.go.bootError) throw new Error(`the ledger could not start: ${this.go.bootError}`);
    });
  }

  // after lists every shard's entries after the whole state's version seq, in order.
  after(seq) {
    const rows = this.sql.exec("SELECT entry FROM shard_log WHERE seq > ? ORDER BY seq", Number(seq)).toArray();
    return "[" + rows.map((r) => r.entry).join(",") + "]";
  }

  checkpoint(versions, text) {
    const bytes = new TextEncoder().encode(text);
    const parts = Math.max(1, Math.ceil(bytes.length / PART));
    const id = (this.sql.exec("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM state_checkpoints").toArray()[0].id);
    for (let i = 0; i < parts; i++) {
      this.sql.exec("INSERT INTO state_checkpoint_parts (id, part, data) VALUES (?, ?, ?)", id, i, bytes.subarray(i * PART, (i + 1) * PART));
    }
    this.sql.exec("INSERT INTO state_checkpoints (id, versions, parts, bytes) VALUES (?, ?, ?, ?)", id, versions, parts, bytes.length);
    // older checkpoints are no longer needed; the logs are kept whole (GET /v1/log)
    this.sql.exec("DELETE FROM state_checkpoint_parts WHERE id < ?", id);
    this.sql.exec("DELETE FROM state_checkpoints WHERE id < ?", id);
  }

  latestCheckpoint() {
    const cp = this.sql.exec("SELECT id, versions, parts, bytes FROM state_checkpoints ORDER BY id DESC LIMIT 1").toArray()[0];
    if (!cp) return null;
    const parts = this.sql.exec("SELECT data FROM state_checkpoint_parts WHERE id = ? ORDER BY part", cp.id).toArray();
    const bytes = new Uint8Array(cp.bytes);
    let at = 0;
    for (const p of parts) { bytes.set(new Uint8Array(p.data), at); at += p.data.byteLength; }
    if (parts.length !== cp.parts || at !== cp.bytes) throw new Error(`checkpoint ${cp.id} is incomplete`);
    return { versions: cp.versions, snapshot: new TextDecoder().decode(bytes) };
  }

  async fetch(request) {
    const url = new URL(request.url);
    try {
      switch (`${request.method} ${url.pathname}`) {
        case "GET /version": {
          const versions = this.go.ledgerVersions();
          return versions === null ? new Response("", { status: 404 }) : new Response(versions);
        }
        case "GET /snapshot": {
          const versions = this.go.ledgerVersions();
          const text = this.go.ledgerSnapshot();
          return text === null ? new Response("", { status: 404 }) : new Response(text, { headers: { "content-type": "application/json", "x-connsec-versions": versions } });
        }
        case "GET /log":
          return new Response(this.after(url.searchParams.get("after") || 0), { headers: { "content-type": "application/json" } });
        // the readers' shards (edge.Shards): Go answers status, type, versions and body
        case "GET /directory":
          return carried(this.go.ledgerDirectory());
        case "GET /agency":
          return carried(this.go.ledgerAgency(url.searchParams.get("id") ?? ""));
        // the administrator's export (edge/export.go): its head, then each agency's object,
        // all at the state at=
        case "GET /export":
          return carried(this.go.ledgerExportHead(url.searchParams.get("at") ?? ""));
        case "GET /export/agency":
          return carried(this.go.ledgerExportAgency(url.searchParams.get("id") ?? "", url.searchParams.get("at") ?? ""), true);
      }
      return await this.go.handleRequest(request);
    } catch (e) {
      return Response.json({ error: { code: "failed", message: `the edit ledger failed: ${e.message}` } }, { status: 500 });
    }
  }
}
