// A static server for site/ on this machine (make serve-site) and for the tests. The site
// needs no server of its own: any static host serves the directory as it is. Given `edge`,
// it also answers the routes of the edge worker that the tests pretend to be.
import http from "node:http";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm",
  ".md": "text/markdown; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".webmanifest": "application/manifest+json",
};

// serve starts a server on a free port (or the one given); edge(req, res, body) may answer a
// request first and return true. It resolves to {url, close}.
export async function serve(root, { port = 0, edge, extra = {} } = {}) {
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      if (edge && (await edge(req, res, body))) return;
      const url = new URL(req.url, "http://x");
      let rel = decodeURIComponent(url.pathname);
      if (extra[rel]) return send(res, 200, extra[rel].type, await readFile(extra[rel].file));
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.join(root, path.normalize(rel).replace(/^(\.\.[/\\])+/, ""));
      if (!file.startsWith(path.resolve(root)) || !(await stat(file).catch(() => null))?.isFile()) {
        return send(res, 404, "text/plain", "not found");
      }
      send(res, 200, types[path.extname(file)] || "application/octet-stream", await readFile(file));
    } catch (err) {
      send(res, 500, "text/plain", String(err));
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-cache" });
  res.end(body);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] || ".");
  const { url } = await serve(root, { port: Number(process.argv[3] || 8080) });
  console.log(`serving ${root} at ${url}`);
}
