// The worker's entry: static assets (site/) are served by Workers before this runs; every
// other request goes to one long-lived Go instance per isolate, which answers from its read
// model and sends edits to the Ledger Durable Object. See README "Architecture".
import { startGo } from "./go.mjs";
export { Ledger } from "./ledger.mjs";

let front;

export default {
  async fetch(request, env, ctx) {
    if (!front) front = startGo(env, ctx);
    let go;
    try {
      go = await front;
    } catch (e) {
      front = undefined;
      return Response.json({ error: { code: "failed", message: "the service could not start: " + e.message } }, { status: 500 });
    }
    if (go.exited()) {
      front = undefined;
      return Response.json({ error: { code: "failed", message: "the service restarted; try again" } }, { status: 503 });
    }
    // The body is read whole before Go sees it: a Go handler that stops reading early (a body
    // over the limit) must not leave a half-read stream behind in workerd.
    const body = request.body ? await request.arrayBuffer() : null;
    return go.handleRequest(new Request(request, { body }));
  },
};
