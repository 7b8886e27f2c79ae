// Validates an answer against wasm/edge/openapi.json with Ajv (JSON Schema 2020-12, as
// OpenAPI 3.1 schemas are): the operation by method and path, the response of its status (or
// default), the content type, and the body against that response's schema. The edge tests
// call it on every answer they receive, so the document cannot drift from the code.
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { root } from "./wrangler.mjs";

const doc = JSON.parse(readFileSync(path.join(root, "wasm/edge/openapi.json"), "utf8"));
const id = "https://connsec.example/openapi.json";
const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: id });

const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp("^" + t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$") }));
const pointer = (...parts) => "/" + parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

// conforms answers "" when the answer fits the document, else what is wrong.
export function conforms(method, url, status, headers, text) {
  const p = new URL(url, "http://x").pathname;
  const tmpl = templates.find(({ re }) => re.test(p))?.t;
  let op = tmpl && doc.paths[tmpl][method.toLowerCase()];
  let where = tmpl, m = method.toLowerCase();
  if (!op) {
    if (status !== 404 && status !== 405) return `${method} ${p} is not in openapi.json but answered ${status}`;
    where = "/access/v1/evaluation"; m = "post"; op = doc.paths[where].post; // the error shape
  }
  const code = String(status) in op.responses ? String(status) : "default";
  const res = op.responses[code];
  if (!res) return `${method} ${where} answered ${status}, which openapi.json does not describe`;
  if (!res.content) return text ? `${method} ${where} ${status}: no body is described, got ${text.slice(0, 200)}` : "";
  const mt = (headers.get("content-type") || "").split(";")[0].trim();
  if (!res.content[mt]) return `${method} ${where} ${status}: Content-Type ${mt} is not described`;
  if (mt !== "application/json") return "";
  const validate = ajv.getSchema(id + "#" + pointer("paths", where, m, "responses", code, "content", mt, "schema"));
  let body;
  try { body = JSON.parse(text); } catch { return `${method} ${where} ${status}: the body is not JSON`; }
  return validate(body) ? "" : `${method} ${where} ${status} does not match openapi.json: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 400)}`;
}
