// A scenario carried in the URL fragment, so a trainer can paste a link in a message and it
// opens with no server at all: #scenario=<base64url of the deflate-raw compressed JSON>. The
// fragment never reaches a server.
const PREFIX = "#scenario=";

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// shareLink is the address of this workbench with the scenario in its fragment.
export async function shareLink(doc) {
  const packed = await pipe(new TextEncoder().encode(JSON.stringify(doc)), new CompressionStream("deflate-raw"));
  return `${location.origin}${location.pathname}${PREFIX}${toBase64url(packed)}`;
}

// readShared is the scenario of a fragment, or null when the fragment carries none.
export async function readShared(hash) {
  if (!hash.startsWith(PREFIX)) return null;
  const bytes = await pipe(fromBase64url(hash.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  return JSON.parse(new TextDecoder().decode(bytes));
}
