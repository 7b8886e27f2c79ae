package edge

import (
	"errors"
	"io"
	"net/http"
	"strconv"
)

// export answers GET /v1/snapshot without ?agency for a handler with Shards (SPEC §10: "An
// administrator may export the whole state, streamed shard by shard: it is never held whole
// in one place"; README "The edge"). Who may ask is decided on the directory index, as on the
// whole model: a service or a person who is neither an administrator nor a coordinator is
// refused (403); a coordinator is not answered here (false: the route gives them their
// agency's view); an administrator is sent the whole document, which is never loaded here.
//
// The document is written as it is read: the head's first bytes, then each agency's object
// as its shard sends it, flushed every exportChunk bytes, then the head's last bytes. Every piece is
// read at the state of the directory index that decided who may ask, whose token is the
// ETag and X-Connsec-Versions (SPEC §10.2); when the writer has moved past that state before
// the head was read, the export starts again at the newest (Shards.at). Content-Length is the
// whole's, known from the head: an export that fails after its first bytes (a writer that
// no longer keeps its state, a writer that does not answer) stops there, and the caller's
// client sees a body cut short of its length, never a document of two states.
func (h *handler) export(w http.ResponseWriter, r *http.Request, c Caller) (bool, error) {
	atLeast, err := atLeastOf(r)
	if err == nil {
		err = person(c, "the snapshot")
	}
	if err != nil {
		return true, err
	}
	s := h.cfg.Shards
	var head *ExportHead
	v, err := s.at(r.Context(), atLeast, func(vw *view) error {
		st, err := overseer(vw.dir, c, "the snapshot")
		if err != nil || !st.Administrator {
			head = nil
			return err
		}
		head, err = s.Source.ExportHead(vw.ctx, vw.v)
		if errors.Is(err, ErrExportMoved) {
			return errMoved // begin again at the newest state
		}
		return err
	})
	if err != nil || head == nil {
		return err != nil, err
	}
	token := v.String()
	etag := `"` + token + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Vary", "Authorization")
	hd.Set("X-Connsec-Versions", token)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return true, nil
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.FormatInt(head.Length(), 10))
	w.WriteHeader(http.StatusOK)
	out := &flushing{w: w, rc: http.NewResponseController(w)}
	if _, err := out.Write(head.Open); err != nil || out.flush() != nil {
		return true, nil
	}
	for _, p := range head.Agencies {
		if _, err := out.Write(p.Gap); err != nil {
			return true, nil
		}
		body, err := s.Source.ExportAgency(r.Context(), p.Agency, v)
		if err != nil {
			return true, nil // cut short: the caller sees fewer bytes than Content-Length
		}
		n, err := io.Copy(out, io.LimitReader(body, p.Bytes))
		body.Close()
		if err != nil || n != p.Bytes {
			return true, nil
		}
	}
	out.Write(head.Close)
	return true, nil
}

// exportChunk is how many bytes of an export a reader gathers before it flushes them to the
// caller: what it holds of the export besides the head and the piece's chunk being read.
const exportChunk = 256 << 10

// flushing writes the export through to the caller as it comes, flushing every exportChunk
// bytes, so that the reader holds one chunk of it at a time.
type flushing struct {
	w    io.Writer
	rc   *http.ResponseController
	held int // bytes written since the last flush
}

func (f *flushing) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.held += n; err == nil && f.held >= exportChunk {
		err = f.flush()
	}
	return n, err
}

// flush sends what was written; a writer that cannot flush sends it when it can.
func (f *flushing) flush() error {
	f.held = 0
	if err := f.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// atLeastOf is the consistency token a coordinator route's ?at_least_version= (or
// ?at_least=) names (SPEC §10.2): the answer comes from that state or a newer one.
func atLeastOf(r *http.Request) (Versions, error) {
	q := r.URL.Query()
	token := q.Get("at_least_version")
	if token == "" {
		token = q.Get("at_least")
	}
	return consistencyToken(token).versions()
}
