// Shard is the writer of one shard (README "The edge", SPEC §10.1): one Durable Object per
// agency, named "agency:<id>", and one for the directory, named "directory". Each holds a
// long-lived instance of the same Go module (role "shard"), which decides what is stored and
// when (edge.RestoreAgencyObject, edge.RestoreDirectoryObject); this class only gives it
// SQLite storage (its journal: the log, the answers kept by Idempotency-Key, its newest state,
// and in the directory the seed) and carries requests: the steps other objects and the
// isolates send it (POST /step/<name>), the seed (PUT /v1/snapshot, in the directory's object,
// served by the API itself), and the readers' questions to the directory (GET
// /version, /snapshot, /log?after=, /directory, /agency?id=, and the administrator's export:
// /export?at= and /export/agency?id=&at=, the agency's piece sent in chunks).
import { startGo } from "./go.mjs";

const PART = 1 << 20; // bytes of a state or checkpoint per row (a row holds about 2 MB)

const CHUNK = 256 << 10; // an export's piece is sent in chunks of this size

// carried is the Response of an answer Go made: {status, type, versions, body}; inChunks
// sends its body CHUNK bytes at a time, so that the isolate reading it holds one chunk.
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

export class Shard {
  constructor(state, env) {
    this.state = state;
    this.env = env;
    const sql = (this.sql = state.storage.sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_log (shard TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (shard, version));
      CREATE TABLE IF NOT EXISTS shard_answers (shard TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (shard, key));
      CREATE TABLE IF NOT EXISTS shard_states (shard TEXT PRIMARY KEY, version INTEGER NOT NULL, parts INTEGER NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS shard_state_parts (shard TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (shard, part));
      CREATE TABLE IF NOT EXISTS state_checkpoints (id INTEGER PRIMARY KEY, versions TEXT NOT NULL, parts INTEGER NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS state_checkpoint_parts (id INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (id, part));`);
    // The journal Go records through; each call is synchronous, and record is one transaction:
    // all of an outcome is stored (its entry, its answer, the state it left), or none of it.
    this.journal = {
      kept: (shard, key) => {
        const row = sql.exec("SELECT hash, answer FROM shard_answers WHERE shard = ? AND key = ?", shard, key).toArray()[0];
        return row ? `{"hash":${JSON.stringify(row.hash)},"answer":${row.answer}}` : null;
      },
      // text is the record without its state, which comes as its own bytes (null: none)
      record: (shard, text, stateBytes) => {
        const r = JSON.parse(text);
        state.storage.transactionSync(() => {
          if (r.entry) sql.exec("INSERT INTO shard_log (shard, version, seq, entry) VALUES (?, ?, ?, ?)", shard, r.entry.shard_version, r.entry.version, JSON.stringify(r.entry));
          if (r.key) sql.exec("INSERT INTO shard_answers (shard, key, hash, answer) VALUES (?, ?, ?, ?)", shard, r.key, r.hash, JSON.stringify(r.answer));
          if (stateBytes !== null) this.keepState(shard, r.version, stateBytes);
        });
      },
      state: (shard) => this.stateOf(shard),
      entries: (shard, since) => {
        const rows = sql.exec("SELECT entry FROM shard_log WHERE shard = ? AND version > ? ORDER BY version", shard, Number(since)).toArray();
        return "[" + rows.map((r) => r.entry).join(",") + "]";
      },
      shards: () => JSON.stringify(sql.exec("SELECT DISTINCT shard FROM shard_log ORDER BY shard").toArray().map((r) => r.shard)),
      checkpoint: () => this.latestCheckpoint(),
      saveCheckpoint: (versions, bytes) => state.storage.transactionSync(() => this.checkpoint(versions, bytes)),
    };
  }

  // start runs the Go instance of this object, once, before any request is served.
  start(name) {
    this.starting ??= this.state.blockConcurrencyWhile(async () => {
      const go = await startGo(this.env, {}, { role: "shard", name, journal: this.journal });
      if (go.bootError) {
        this.starting = undefined;
        throw new Error(`the writer of ${name} could not start: ${go.bootError}`);
      }
      this.go = go;
    });
    return this.starting;
  }

  // parts writes bytes into rows of a parts table, PART bytes each.
  parts(table, key, column, bytes) {
    const n = Math.max(1, Math.ceil(bytes.length / PART));
    for (let i = 0; i < n; i++) {
      this.sql.exec(`INSERT INTO ${table} (${column}, part, data) VALUES (?, ?, ?)`, key, i, bytes.subarray(i * PART, (i + 1) * PART));
    }
    return n;
  }

  // joined reads the rows of a parts table back into one Uint8Array: states and checkpoints
  // cross to Go as bytes, never as text (a string is copied twice more on its way in).
  joined(table, column, key, parts, size) {
    const rows = this.sql.exec(`SELECT data FROM ${table} WHERE ${column} = ? ORDER BY part`, key).toArray();
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const p of rows) { bytes.set(new Uint8Array(p.data), at); at += p.data.byteLength; }
    if (rows.length !== parts || at !== size) throw new Error(`the stored state of ${key} is incomplete`);
    return bytes;
  }

  keepState(shard, version, bytes) {
    this.sql.exec("DELETE FROM shard_state_parts WHERE shard = ?", shard);
    const parts = this.parts("shard_state_parts", shard, "shard", bytes);
    this.sql.exec("INSERT OR REPLACE INTO shard_states (shard, version, parts, bytes) VALUES (?, ?, ?, ?)", shard, version, parts, bytes.length);
  }

  stateOf(shard) {
    const row = this.sql.exec("SELECT version, parts, bytes FROM shard_states WHERE shard = ?", shard).toArray()[0];
    return row ? { version: row.version, state: this.joined("shard_state_parts", "shard", shard, row.parts, row.bytes) } : null;
  }

  checkpoint(versions, bytes) {
    const id = this.sql.exec("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM state_checkpoints").toArray()[0].id;
    const parts = this.parts("state_checkpoint_parts", id, "id", bytes);
    this.sql.exec("INSERT INTO state_checkpoints (id, versions, parts, bytes) VALUES (?, ?, ?, ?)", id, versions, parts, bytes.length);
    this.sql.exec("DELETE FROM state_checkpoint_parts WHERE id < ?", id);
    this.sql.exec("DELETE FROM state_checkpoints WHERE id < ?", id);
  }

  latestCheckpoint() {
    const cp = this.sql.exec("SELECT id, versions, parts, bytes FROM state_checkpoints ORDER BY id DESC LIMIT 1").toArray()[0];
    return cp ? { versions: cp.versions, snapshot: this.joined("state_checkpoint_parts", "id", cp.id, cp.parts, cp.bytes) } : null;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const name = request.headers.get("x-connsec-object");
    try {
      if (!name) throw new Error("the request names no shard (x-connsec-object)");
      await this.start(name);
      if (request.method === "POST" && url.pathname.startsWith("/step/")) {
        return carried(await this.go.step(url.pathname.slice("/step/".length), new Uint8Array(await request.arrayBuffer())));
      }
      // the seed, which entry.mjs sends the directory's object as it came (Go authenticates it)
      if (request.method === "PUT" && url.pathname === "/v1/snapshot" && name === "directory") {
        return await this.go.handleRequest(request);
      }
      if (request.method === "GET") {
        // the readers' questions, which only the directory answers
        const question = url.pathname.slice(1);
        return carried(await this.go.read(question, url.search.slice(1)), question === "export/agency");
      }
      return new Response("no such request", { status: 404 });
    } catch (e) {
      return new Response(`the writer of ${name} failed: ${e.message}`, { status: 500 });
    }
  }
}
