//go:build js && wasm

package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"syscall/js"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers/cloudflare"
)

// shardBudget is the estimated memory an isolate keeps for agency read models (edge.Shards):
// an isolate has 128 MB, and the collector lets the heap grow past what is live (gc_js.go),
// so the budget is half of edge.DefaultShardBudget.
const shardBudget = 32 << 20

// objects is the Transport between the Shard Durable Objects (edge.Transport), and from an
// isolate to them: a step is a POST /step/<name> to the object named "directory" or
// "agency:<id>" (idFromName), which shard.mjs hands to that object's Go instance (serveStep).
// In the directory's object, storage is its journal's functions (shard.mjs), from which
// SendParts takes the agencies a seed in parts staged.
type objects struct{ storage js.Value }

func (objects) Send(_ context.Context, object, step string, body []byte) ([]byte, error) {
	return sent(object, "/step/"+step, jsBytes(body))
}

// SendParts sends a body of parts (edge.StagedSender): the staged ones go from the object's
// storage into the body in JavaScript, never through the Go heap, which never shrinks (NYC's
// object is 23 MB, sent in its cut of the seed and at its birth).
func (o objects) SendParts(_ context.Context, object, step string, parts []edge.Part) ([]byte, error) {
	if o.storage.IsUndefined() {
		return nil, errors.New("this instance has no storage to send staged parts from")
	}
	pieces := make([]js.Value, len(parts))
	size := 0
	for i, p := range parts {
		if p.Staged == "" {
			pieces[i] = jsBytes(p.Bytes)
		} else {
			st, err := sqlJournals{js: o.storage}.call("state", p.StagedShard().String())
			if err != nil || st.IsNull() || st.IsUndefined() {
				return nil, fmt.Errorf("the seed's agency %s is not in the service's storage (%v)", p.Staged, err)
			}
			pieces[i] = st.Get("state")
		}
		size += pieces[i].Get("length").Int()
	}
	body := js.Global().Get("Uint8Array").New(size)
	at := 0
	for _, p := range pieces {
		body.Call("set", p, at)
		at += p.Get("length").Int()
	}
	return sent(object, "/step/"+step, body)
}

// sent posts body, a Uint8Array, to object's path: its answer when 200, else the error.
func sent(object, path string, body js.Value) ([]byte, error) {
	res, out, err := fetchShard(http.MethodPost, object, path, body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the writer of %s answered %d: %s", object, res.StatusCode, out)
	}
	return out, nil
}

// ask sends one GET to the Shard object named object and reads its answer whole
// (fetchShard, post_js.go).
func ask(ctx context.Context, object, path string) (*http.Response, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return fetchShard(http.MethodGet, object, path, js.Undefined())
}

// open sends one GET to the Shard object named object; its answer's body is read as it
// comes. A request with a body is sent by fetchShard (post_js.go).
func open(ctx context.Context, object, path string) (*http.Response, error) {
	ns, err := cloudflare.NewDurableObjectNamespace("SHARD")
	if err != nil {
		return nil, err
	}
	stub, err := ns.Get(ns.IdFromName(object))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://shard"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Connsec-Object", object)
	res, err := stub.Fetch(req)
	if err != nil {
		return nil, fmt.Errorf("the writer of %s did not answer: %w", object, err)
	}
	return res, nil
}

// Directory and AgencyShard make the directory's object an isolate's edge.ShardSource, with
// Newest (store_js.go) and the export's pieces (export_js.go): the isolate's edge.Shards
// answers the AuthZEN routes from the agency models it loads from these documents.
func (s directorySource) Directory(ctx context.Context) (*edge.DirectoryIndex, edge.Versions, error) {
	body, v, err := s.versioned(ctx, "/directory")
	if err != nil {
		return nil, edge.Versions{}, err
	}
	key := sha256.Sum256(body)
	decoded.Lock()
	defer decoded.Unlock()
	if decoded.index != nil && decoded.key == key {
		return decoded.index, v, nil
	}
	var d edge.DirectoryIndex
	if err := d.UnmarshalBinary(body); err != nil {
		return nil, edge.Versions{}, fmt.Errorf("the directory's index: %w", err)
	}
	decoded.key, decoded.index = key, &d
	return &d, v, nil
}

// decoded is the directory index this isolate decoded last, by the digest of its bytes: the
// directory's object answers the same index for the states where it did not move, and an
// index (7 MB at the state profile, 9 MB decoded) is not decoded again beside the one held.
var decoded struct {
	sync.Mutex
	key   [sha256.Size]byte
	index *edge.DirectoryIndex
}

// shardTicketType is the type of the directory's answer for a long shard: the ticket to take
// it from its agency's object with (edge.ShardTicket).
const shardTicketType = "application/vnd.connsec.shard-ticket+json"

// AgencyShard asks the directory's object for agency's shard; for a long one it answers a
// ticket, and the shard is taken from the agency's object that keeps it (the "take" step),
// so that it never passes through the directory's. A shard found gone (another isolate's ask
// replaced it, or a batch let it go) is asked for again once, then carried (carry=1).
func (s directorySource) AgencyShard(ctx context.Context, agency string) ([]byte, edge.Versions, error) {
	path := "/agency?id=" + url.QueryEscape(agency)
	for range 2 {
		res, body, v, err := s.versionedAnswer(ctx, path)
		if err != nil {
			return nil, edge.Versions{}, err
		}
		if res.Header.Get("Content-Type") != shardTicketType {
			shardsFrom.Store(agency, "directory")
			return body, v, nil
		}
		var t edge.ShardTicket
		if err := json.Unmarshal(body, &t); err != nil {
			return nil, edge.Versions{}, fmt.Errorf("the directory's ticket for the shard of %s does not read: %w", agency, err)
		}
		if doc, err := sent(t.Object, "/step/take", jsBytes(t.Take())); err == nil {
			shardsFrom.Store(agency, "agency")
			return doc, v, nil
		}
	}
	doc, v, err := s.versioned(ctx, path+"&carry=1")
	if err == nil {
		shardsFrom.Store(agency, "directory")
	}
	return doc, v, err
}

// shardsFrom is how the shard given last for each agency came (edge.ShardFrom).
var shardsFrom sync.Map

func (directorySource) ShardFrom(agency string) string {
	from, _ := shardsFrom.Load(agency)
	s, _ := from.(string)
	return s
}

// versioned asks the directory's object for a document and the versions of the state it was
// cut from.
func (s directorySource) versioned(ctx context.Context, path string) ([]byte, edge.Versions, error) {
	_, body, v, err := s.versionedAnswer(ctx, path)
	return body, v, err
}

// versionedAnswer is versioned with the answer's head.
func (s directorySource) versionedAnswer(ctx context.Context, path string) (*http.Response, []byte, edge.Versions, error) {
	res, body, err := s.directory(ctx, path)
	if err != nil {
		return nil, nil, edge.Versions{}, err
	}
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil, edge.Versions{}, edge.ErrNotSeeded
	case http.StatusConflict:
		return nil, nil, edge.Versions{}, edge.ErrExportMoved
	default:
		return nil, nil, edge.Versions{}, fmt.Errorf("the directory's writer failed (%d): %s", res.StatusCode, body)
	}
	v, err := edge.ParseVersions(res.Header.Get("X-Connsec-Versions"))
	return res, body, v, err
}
