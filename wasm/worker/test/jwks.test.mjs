// Tokens of an identity provider in real workerd: the worker fetches the provider's JWKS from
// a local key server (CONNSEC_JWKS_URL), picks up a rotation without a redeploy, and answers
// every bad token 401 with its reason, never 500. The worker listens on CONNSEC_TEST_PORT
// (edge.test.mjs has stopped its own by then: make test-worker runs one file at a time) or
// CONNSEC_JWKS_WORKER_PORT; the key server on CONNSEC_JWKS_PORT, or any free port.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startWrangler, root } from "./wrangler.mjs";
import { conforms } from "./openapi.mjs";

const issuer = "https://idp.example.ny.gov", audience = "connsec-edge";
const keys = {
  r1: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  r2: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  e1: generateKeyPairSync("ec", { namedCurve: "P-256" }),
};
let published = ["r1", "e1"], fetches = 0, server, w, state;

const b64 = (s) => Buffer.from(s).toString("base64url");
// mint signs a token as the provider would (RS256 or ES256 by the key's kind).
function mint(kid, claims = {}, key = keys[kid]) {
  const now = Math.floor(Date.now() / 1000);
  const alg = key.privateKey.asymmetricKeyType === "ec" ? "ES256" : "RS256";
  const head = b64(JSON.stringify({ alg, typ: "JWT", kid }));
  const body = b64(JSON.stringify({ sub: "p-admin", iss: issuer, aud: audience, iat: now, nbf: now - 60, exp: now + 3600, ...claims }));
  const sig = sign("sha256", Buffer.from(`${head}.${body}`), alg === "ES256" ? { key: key.privateKey, dsaEncoding: "ieee-p1363" } : key.privateKey);
  return `${head}.${body}.${sig.toString("base64url")}`;
}
function hs256(secret, claims) {
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT", kid: "r1" }));
  const body = b64(JSON.stringify(claims));
  return `${head}.${body}.${createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url")}`;
}

async function me(t) {
  const r = await fetch(w.url + "/v1/me", { headers: { authorization: `Bearer ${t}` } });
  const text = await r.text();
  const wrong = conforms("GET", "/v1/me", r.status, r.headers, text);
  assert.equal(wrong, "", wrong);
  return { status: r.status, json: JSON.parse(text), auth: r.headers.get("www-authenticate") };
}
async function refused(name, t, why) {
  const r = await me(t);
  assert.equal(r.status, 401, `${name}: ${JSON.stringify(r.json)}`);
  assert.ok(r.auth, `${name}: no WWW-Authenticate`);
  assert.match(r.json.error.message, why, name);
}
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const secret = "a-development-secret-of-some-length";

before(async () => {
  server = http.createServer((req, res) => {
    fetches++;
    const set = { keys: published.map((kid) => ({ ...keys[kid].publicKey.export({ format: "jwk" }), kid, use: "sig", alg: kid[0] === "e" ? "ES256" : "RS256" })) };
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=1" });
    res.end(JSON.stringify(set));
  });
  await new Promise((r) => server.listen(Number(process.env.CONNSEC_JWKS_PORT || 0), "127.0.0.1", r));
  state = await mkdtemp(path.join(os.tmpdir(), "connsec-jwks-"));
  w = await startWrangler({ port: Number(process.env.CONNSEC_JWKS_WORKER_PORT || process.env.CONNSEC_TEST_PORT || 8791), persistTo: state, vars: {
    CONNSEC_ISSUER: issuer, CONNSEC_AUDIENCE: audience, CONNSEC_JWKS_URL: `http://127.0.0.1:${server.address().port}/jwks.json`,
    CONNSEC_JWKS_REFETCH: "1", CONNSEC_JWT_SECRET: secret } });
  const snapshot = await readFile(path.join(root, "fixtures/example/snapshot.json"));
  const seeded = await fetch(w.url + "/v1/snapshot", { method: "PUT", body: snapshot, headers: { authorization: `Bearer ${mint("r1")}` } });
  const text = await seeded.text();
  assert.equal(seeded.status, 200, text);
  assert.equal(conforms("PUT", "/v1/snapshot", seeded.status, seeded.headers, text), "");
});

after(async () => {
  await w?.stop();
  server?.close();
  if (state) await rm(state, { recursive: true, force: true });
});

test("RS256 and ES256 tokens found by kid in the provider's JWKS", async () => {
  for (const kid of ["r1", "e1"]) {
    const r = await me(mint(kid, { sub: "p-1003" }));
    assert.equal(r.status, 200, `${kid}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.subject, "p-1003");
  }
});

test("rotation without a redeploy; an unknown kid fetches at most once a second here (a minute by default)", async () => {
  await pause(1100);
  const before = fetches;
  await refused("an unknown kid", mint("r2", { sub: "p-1003" }), /kid "r2"/);
  await refused("the unknown kid again", mint("r2", { sub: "p-1005" }), /kid "r2"/);
  assert.ok(fetches - before <= 1, `two unknown-kid tokens in a row fetched the set ${fetches - before} times (the isolate authenticates every request; the writers' objects never do)`);
  published = ["r1", "r2"]; // r2 rotated in, e1 withdrawn
  await pause(1100);
  const rotated = await me(mint("r2", { sub: "p-1003" }));
  assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  await refused("a token for a deleted key", mint("e1", { sub: "p-1005" }), /does not list/);
});

test("wrong issuer or audience, expired, alg none, HS256 and algorithm confusion: 401 with the reason", async () => {
  const now = Math.floor(Date.now() / 1000);
  await refused("another issuer", mint("r1", { iss: "https://evil.example" }), /issued by/);
  await refused("another audience", mint("r1", { aud: "someone-else" }), /meant for/);
  await refused("expired", mint("r1", { exp: now - 120 }), /expired/);
  await refused("alg none", `${b64(JSON.stringify({ alg: "none", kid: "r1" }))}.${b64(JSON.stringify({ sub: "p-admin", iss: issuer, aud: audience, exp: now + 3600 }))}.`, /signed with/);
  const claims = { sub: "p-admin", iss: issuer, aud: audience, exp: now + 3600 };
  await refused("HS256 on the development secret", hs256(secret, claims), /local development only/);
  const pem = keys.r1.publicKey.export({ type: "spki", format: "pem" });
  await refused("HS256 signed with the RSA public key", hs256(pem, claims), /HS256/);
  await refused("ES256 on an RSA kid", mint("r1", {}, keys.e1), /is for RS256/);
});
