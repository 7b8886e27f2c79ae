//go:build js && wasm

package main

import (
	"context"
	"encoding"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"syscall/js"

	"github.com/connsec/connsec/wasm/edge"
)

// shardBudget is the estimated memory an isolate keeps for agency read models (edge.Shards):
// an isolate has 128 MB, and the collector lets the heap grow past what is live (gc_js.go),
// so the budget is half of edge.DefaultShardBudget.
const shardBudget = 32 << 20

// The Ledger Durable Object answers the readers' shard questions (edge.ShardSource) through
// ledger.mjs, which only carries what Go says: the status, the type, the versions of the state
// the answer was cut from, and the body.
//
//	GET /directory                the directory index (edge.DirectoryIndex.MarshalBinary)
//	GET /agency?id=ID             the agency's shard document (evaluator's AgencyShard)
//	GET /export?at=T              the export's head at the state T (edge.ExportHead.MarshalBinary)
//	GET /export/agency?id=ID&at=T the agency's object in the document at the state T
//
// 404 before a seed, 409 for an export's state the Ledger no longer keeps, 422 for an agency
// the state does not have.
func exposeShards(binding js.Value, ledger *edge.Ledger) {
	binding.Set("ledgerDirectory", js.FuncOf(func(js.Value, []js.Value) any {
		d, v, err := ledger.Directory(context.Background())
		return carriedBinary(v, d, err)
	}))
	binding.Set("ledgerAgency", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeString {
			return refusal(errors.New("name the agency: /agency?id=<agency id>"))
		}
		doc, v, err := ledger.AgencyShard(context.Background(), args[0].String())
		if err != nil {
			return refusal(err)
		}
		return carried(http.StatusOK, "application/json", v, doc)
	}))
	exposeExport(binding, ledger)
}

// carried is an answer for ledger.mjs to carry: {status, type, versions, body}.
func carried(status int, typ string, v edge.Versions, body []byte) any {
	arr := js.Global().Get("Uint8Array").New(len(body))
	js.CopyBytesToJS(arr, body)
	return map[string]any{"status": status, "type": typ, "versions": v.String(), "body": arr}
}

// carriedBinary carries m in its binary form, or the error that kept it from being made.
func carriedBinary(v edge.Versions, m encoding.BinaryMarshaler, err error) any {
	if err != nil {
		return refusal(err)
	}
	raw, err := m.MarshalBinary()
	if err != nil {
		return refusal(err)
	}
	return carried(http.StatusOK, "application/octet-stream", v, raw)
}

// refusal carries an error: 404 before a seed, 409 for an export's state no longer kept, 422
// for anything else asked that the state does not have.
func refusal(err error) any {
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, edge.ErrNotSeeded):
		status = http.StatusNotFound
	case errors.Is(err, edge.ErrExportMoved):
		status = http.StatusConflict
	}
	return carried(status, "text/plain", edge.Versions{}, []byte(err.Error()))
}

// Directory and AgencyShard make the Ledger Durable Object an isolate's edge.ShardSource, with
// Newest (store_js.go): the isolate's edge.Shards answers the AuthZEN routes from the agency
// models it loads from these documents.
func (s ledgerSource) Directory(ctx context.Context) (*edge.DirectoryIndex, edge.Versions, error) {
	body, v, err := s.versioned(ctx, "/directory")
	if err != nil {
		return nil, edge.Versions{}, err
	}
	var d edge.DirectoryIndex
	if err := d.UnmarshalBinary(body); err != nil {
		return nil, edge.Versions{}, fmt.Errorf("the edit ledger's directory: %w", err)
	}
	return &d, v, nil
}

func (s ledgerSource) AgencyShard(ctx context.Context, agency string) ([]byte, edge.Versions, error) {
	return s.versioned(ctx, "/agency?id="+url.QueryEscape(agency))
}

// versioned asks the Ledger for a document and the versions of the state it was cut from.
func (s ledgerSource) versioned(ctx context.Context, path string) ([]byte, edge.Versions, error) {
	res, body, err := s.ledger(ctx, path)
	if err != nil {
		return nil, edge.Versions{}, err
	}
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, edge.Versions{}, edge.ErrNotSeeded
	case http.StatusConflict:
		return nil, edge.Versions{}, edge.ErrExportMoved
	default:
		return nil, edge.Versions{}, fmt.Errorf("the edit ledger failed (%d): %s", res.StatusCode, body)
	}
	v, err := edge.ParseVersions(res.Header.Get("X-Connsec-Versions"))
	return body, v, err
}
