//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/connsec/connsec/wasm/edge"
)

// ExportHead and ExportAgency make the directory's object the source of an isolate's exports
// (SPEC §10, edge/export.go): each piece is asked for at the export's state, and an answer
// cut from another state is refused. The directory's object answers both from the whole state
// it composes of every agency's (edge.Writers.ExportHead, ExportAgency; objects_js.go).
func (s directorySource) ExportHead(ctx context.Context, at edge.Versions) (*edge.ExportHead, error) {
	body, v, err := s.versioned(ctx, "/export?at="+url.QueryEscape(at.String()))
	if err != nil {
		return nil, err
	}
	if v.String() != at.String() {
		return nil, fmt.Errorf("the directory's writer answered the export's head of the state %s when %s was asked", v, at)
	}
	var h edge.ExportHead
	if err := h.UnmarshalBinary(body); err != nil {
		return nil, fmt.Errorf("the directory's export head: %w", err)
	}
	return &h, nil
}

// ExportAgency is read as it comes from the directory's object, in the chunks shard.mjs
// sends: the isolate never holds an agency's object whole.
func (directorySource) ExportAgency(ctx context.Context, agency string, at edge.Versions) (io.ReadCloser, error) {
	res, err := open(ctx, edge.Directory.String(), "/export/agency?id="+url.QueryEscape(agency)+"&at="+url.QueryEscape(at.String()))
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
		return nil, fmt.Errorf("the directory's writer sent %s's object of the state %s when %s was asked", agency, res.Header.Get("X-Connsec-Versions"), at)
	case http.StatusConflict:
		return nil, edge.ErrExportMoved
	}
	return nil, fmt.Errorf("the directory's writer failed (%d) on %s's object: %s", res.StatusCode, agency, why)
}
