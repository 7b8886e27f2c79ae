// The floor for the edge figures: a plain JavaScript worker that answers an AuthZEN
// evaluation with a fixed decision, run by the same wrangler dev on the same machine.
export default {
  async fetch(request) {
    if (request.method === "POST") await request.text();
    return Response.json({ decision: true, context: { reasons: [], version: 0 } });
  },
};
