package edge

import (
	"net/http"
)

// readers: GET /v1/readers, how this reader holds the state (README "The edge"): the agency
// models it keeps (agency, version, document and estimated bytes, last use, most recently
// used first), its loads and evictions, the budget, whether it holds the whole model as well,
// and the module's memory (runtime MemStats;
// in WebAssembly, sys_bytes is the linear memory the runtime took, which never shrinks). It
// reports on the service itself, not on anyone's access, so it is for administrators and
// services (policy enforcement points, monitoring) only.
func (h *handler) readers(w http.ResponseWriter, r *http.Request, c Caller) error {
	var at Versions
	if err := h.read(r.Context(), Versions{}, func(rd reading, v Versions) error {
		at = v
		return mayWatch(rd, c)
	}); err != nil {
		return err
	}
	st := ShardStats{Reader: "whole", State: at.String(), Models: []ModelStats{}, Memory: memoryStats()}
	if h.cfg.Shards != nil {
		st = h.cfg.Shards.Stats()
	}
	st.WholeModel = h.cfg.Shards == nil
	if r, ok := h.cfg.Store.(interface{ HoldsWhole() bool }); ok {
		st.WholeModel = r.HoldsWhole()
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// mayWatch: the readers' figures are for a service or an administrator (with an active Person
// ID); a coordinator is refused, as is anyone else.
func mayWatch(m whoIs, c Caller) error {
	if c.Service != "" {
		return nil
	}
	if me, err := m.Standing(c.Person); err == nil && me.Administrator {
		return nil
	}
	return fail(http.StatusForbidden, codeForbidden, "%s is not an administrator: what the readers hold and the memory they use are shown to administrators and services only", c.Person)
}
