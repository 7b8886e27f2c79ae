//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"syscall/js"

	"github.com/connsec/connsec/wasm/edge"
)

// exposeExport gives ledger.mjs the pieces of the administrator's export (SPEC §10,
// edge/export.go): GET /export?at=T, the head at the state T, and GET
// /export/agency?id=ID&at=T, the agency's object at T, which ledger.mjs sends on in chunks.
func exposeExport(binding js.Value, ledger *edge.Ledger) {
	at := func(args []js.Value, i int) (edge.Versions, error) {
		if len(args) <= i || args[i].Type() != js.TypeString {
			return edge.Versions{}, errors.New("name the state: at=<consistency token>")
		}
		return edge.ParseVersions(args[i].String())
	}
	binding.Set("ledgerExportHead", js.FuncOf(func(_ js.Value, args []js.Value) any {
		v, err := at(args, 0)
		if err != nil {
			return refusal(err)
		}
		head, err := ledger.ExportHead(context.Background(), v)
		return carriedBinary(v, head, err)
	}))
	binding.Set("ledgerExportAgency", js.FuncOf(func(_ js.Value, args []js.Value) any {
		v, err := at(args, 1)
		if err != nil || args[0].Type() != js.TypeString {
			return refusal(errors.Join(err, errors.New("name the agency: /export/agency?id=<agency id>&at=<token>")))
		}
		body, err := ledger.ExportAgency(context.Background(), args[0].String(), v)
		if err != nil {
			return refusal(err)
		}
		obj, err := io.ReadAll(body)
		if err != nil {
			return refusal(err)
		}
		return carried(http.StatusOK, "application/json", v, obj)
	}))
}

// ExportHead and ExportAgency make the Ledger Durable Object the source of an isolate's
// exports: each piece is asked for at the export's state, and an answer cut from another
// state is refused.
func (s ledgerSource) ExportHead(ctx context.Context, at edge.Versions) (*edge.ExportHead, error) {
	body, v, err := s.versioned(ctx, "/export?at="+url.QueryEscape(at.String()))
	if err != nil {
		return nil, err
	}
	if v.String() != at.String() {
		return nil, fmt.Errorf("the edit ledger answered the export's head of the state %s when %s was asked", v, at)
	}
	var h edge.ExportHead
	if err := h.UnmarshalBinary(body); err != nil {
		return nil, fmt.Errorf("the edit ledger's export head: %w", err)
	}
	return &h, nil
}

// ExportAgency is read as it comes from the Ledger, in the chunks ledger.mjs sends: the
// isolate never holds an agency's object whole.
func (s ledgerSource) ExportAgency(ctx context.Context, agency string, at edge.Versions) (io.ReadCloser, error) {
	res, err := s.open(ctx, "/export/agency?id="+url.QueryEscape(agency)+"&at="+url.QueryEscape(at.String()))
	if err != nil {
		return nil, err
	}
	if res.StatusCode == http.StatusOK && res.Header.Get("X-Connsec-Versions") == at.String() {
		return res.Body, nil
	}
	defer res.Body.Close()
	why, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	switch res.StatusCode {
	case http.StatusOK:
		return nil, fmt.Errorf("the edit ledger sent %s's object of the state %s when %s was asked", agency, res.Header.Get("X-Connsec-Versions"), at)
	case http.StatusConflict:
		return nil, edge.ErrExportMoved
	}
	return nil, fmt.Errorf("the edit ledger failed (%d) on %s's object: %s", res.StatusCode, agency, why)
}
