package edge

import (
	"context"
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

// WriterStats is what GET /v1/writers answers: the memory of the instance that runs one
// shard's writer.
type WriterStats struct {
	Writer string      `json:"writer"` // the shard: "directory" or "agency:<id>"
	Apart  bool        `json:"apart"`  // its own instance (a Durable Object), not this process
	Memory MemoryStats `json:"memory"`
}

// writerReporter is a Store whose shards' writers run apart from the readers (Front: each a
// Durable Object in the worker); it asks one of them for its memory.
type writerReporter interface {
	WriterMemory(ctx context.Context, shard Shard) (MemoryStats, error)
}

// writers: GET /v1/writers?shard=<directory|agency:ID>, the memory of the instance that runs
// that shard's writer, for the same callers as GET /v1/readers. Where the writers run in this
// process (the native server), it is this process's memory.
func (h *handler) writers(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := h.read(r.Context(), Versions{}, func(rd reading, _ Versions) error { return mayWatch(rd, c) }); err != nil {
		return err
	}
	name := r.URL.Query().Get("shard")
	s, ok := ParseShard(name)
	if !ok {
		return fail(http.StatusBadRequest, codeBadRequest, "name the writer: shard=directory or shard=agency:<agency id> (got %q)", name)
	}
	st := WriterStats{Writer: s.String(), Memory: memoryStats()}
	if rep, ok := h.cfg.Store.(writerReporter); ok {
		mem, err := rep.WriterMemory(r.Context(), s)
		if err != nil {
			return err
		}
		st.Apart, st.Memory = true, mem
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
