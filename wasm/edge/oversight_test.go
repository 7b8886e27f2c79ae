package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/tidwall/gjson"
)

// The differential test of the coordinator's read routes over Shards (README "The edge",
// RULES.md §10.3): on the generated state profile at 0.02 (people with records in two
// agencies, one ended; entries naming people of other agencies), after a few accepted
// batches (so the log and the notifications have something to show), random requests for
// an agency's view, lint (of every finding, of a coordinator's agencies, of ?agency=), the
// staff security report (JSON and CSV, on other days), profiles, /v1/me, the log and the
// notifications, from administrators, coordinators (of the agency asked about or another),
// workers and people the snapshot lacks, are sent to the handler over the whole model and to
// the one over Shards. Statuses and bodies must be the same bytes.

// get sends one GET to both handlers and compares the answers.
func (h *httpDiff) get(path, tok, accept string) {
	var header []string
	if accept != "" {
		header = []string{"Accept", accept}
	}
	want, got := h.both("GET", path, nil, tok, header...)
	if want.Code != got.Code || !bytes.Equal(want.Body.Bytes(), got.Body.Bytes()) || want.Header().Get("ETag") != got.Header().Get("ETag") {
		w, g := around(want.Body.Bytes(), got.Body.Bytes())
		h.differ("GET %s (Accept %q):\n whole  %d %s\n shards %d %s", path, accept, want.Code, w, got.Code, g)
	}
}

// around clips two bodies to where they first differ.
func around(a, b []byte) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-150)
	return "…" + clip(string(a[from:])), "…" + clip(string(b[from:]))
}

// overseerToken is whose token a coordinator's request carries: an administrator, a
// coordinator of the agency, another coordinator, a worker, or someone the snapshot lacks.
func (h *httpDiff) overseerToken(agency string) string {
	sub := ""
	switch x := h.rng.IntN(100); {
	case x < 25:
		sub = h.pick(h.admins)
	case x < 65 && len(h.coordOf[agency]) > 0:
		sub = h.pick(h.coordOf[agency])
	case x < 85:
		sub = h.pick(h.coords)
	case x < 97:
		sub = h.person()
	default:
		sub = "p-nobody"
	}
	tok, ok := h.tokens[sub]
	if !ok {
		tok = token(h.t, sub)
		h.tokens[sub] = tok
	}
	return tok
}

// query is a route's query: the agency (now and then one the state lacks), a day (now and
// then not a day) and a consistency token.
func (h *httpDiff) query(agency string, day bool) string {
	q := url.Values{}
	if agency != "" {
		q.Set("agency", agency)
	}
	if day {
		if d := h.day(); d != "" {
			q.Set("as_of", d)
		} else if h.rng.IntN(30) == 0 {
			q.Set("as_of", "last tuesday")
		}
	}
	switch h.rng.IntN(30) {
	case 0:
		q.Set("at_least", "d0")
	case 1:
		q.Set("at_least_version", "d0~"+agency+".99")
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (h *httpDiff) agency() string {
	if h.rng.IntN(40) == 0 {
		return "ag-nowhere"
	}
	return h.pick(h.agencies)
}

// seedLog has coordinators push batches on a few agencies (functions assigned, staff moved
// and end-dated), so that the log and the notifications hold entries of several agencies.
func (h *httpDiff) seedLog() {
	accepted := 0
	for i, ag := range gjson.GetBytes(h.data, "agencies").Array() {
		if accepted >= 12 || i > 60 {
			break
		}
		id := ag.Get("id").Str
		coords := h.coordOf[id]
		staff := ag.Get("staff.#.person").Array()
		units := ag.Get("units.#.id").Array()
		fns := gjson.GetBytes(h.data, "business_functions.#.code").Array()
		if len(coords) == 0 || len(staff) == 0 || len(units) == 0 || len(fns) == 0 {
			continue
		}
		person := staff[h.rng.IntN(len(staff))].Str
		edits := []any{
			map[string]any{"op": "assign_functions", "agency": id, "person": person, "functions": []string{fns[h.rng.IntN(len(fns))].Str}},
			map[string]any{"op": "move_staff", "agency": id, "person": person, "unit": units[h.rng.IntN(len(units))].Str},
			map[string]any{"op": "end_date_staff", "agency": id, "person": staff[h.rng.IntN(len(staff))].Str},
		}
		body, _ := json.Marshal(map[string]any{"edits": edits[:1+h.rng.IntN(len(edits))]})
		req := httptest.NewRequest("POST", "/v1/edits", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token(h.t, coords[0]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprint("seed-", i))
		rec := httptest.NewRecorder()
		h.whole.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			accepted++
		}
	}
	if accepted < 5 {
		h.t.Fatalf("only %d of the batches that seed the log were accepted", accepted)
	}
}

func TestCoordinatorRoutesOverShardsAnswerAsTheWhole(t *testing.T) {
	h := newHTTPDiff(t)
	h.seedLog()
	asked := map[string]int{}
	for h.requests < 1000 {
		ag := h.agency()
		tok := h.overseerToken(ag)
		kind := ""
		switch x := h.rng.IntN(100); {
		case x < 15:
			kind = "snapshot"
			if h.rng.IntN(4) == 0 {
				h.get("/v1/snapshot", tok, "")
			} else {
				h.get("/v1/snapshot"+h.query(ag, false), tok, "")
			}
		case x < 35:
			kind = "lint"
			if h.rng.IntN(2) == 0 {
				ag = ""
			}
			h.get("/v1/lint"+h.query(ag, false), tok, "")
		case x < 55:
			kind = "report"
			accept := ""
			if h.rng.IntN(3) == 0 {
				accept = "text/csv"
			}
			if h.rng.IntN(8) == 0 {
				ag = ""
			}
			h.get("/v1/report"+h.query(ag, true), tok, accept)
		case x < 80:
			kind = "profile"
			who := h.person()
			if h.rng.IntN(3) == 0 {
				who = h.pick(h.named)
			}
			h.get("/v1/profile/"+who+h.query("", true), h.caller(who), "")
		case x < 87:
			kind = "me"
			h.get("/v1/me"+h.query("", false), h.caller(""), "")
		case x < 94:
			kind = "log"
			if h.rng.IntN(2) == 0 {
				ag = ""
			}
			h.get("/v1/log"+h.query(ag, false), tok, "")
		default:
			kind = "notifications"
			h.get("/v1/notifications", h.caller(h.person()), "")
		}
		asked[kind]++
	}
	h.report()
	st := h.shards.Stats()
	t.Logf("%d requests (%v; statuses %v); %d agency models loaded", h.requests, asked, h.statuses, st.Loads)
	if h.statuses[200] < h.requests/3 || h.statuses[403] == 0 || h.statuses[400] == 0 {
		t.Fatalf("the requests test too little: statuses %v", h.statuses)
	}
}
