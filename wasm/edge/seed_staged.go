package edge

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tidwall/gjson"
)

// This file sends the agencies a seed in parts staged without reading them back into the
// directory's writer: each cut of the seed that holds agencies whole, and each agency's first
// state, is a body of parts, some of them an agency's object as the directory's storage holds
// it (Part.Staged). A transport that can (StagedSender: the worker's, whose storage is the
// object's own) puts those in the body where the storage keeps them; NYC's 23 MB object then
// never enters the directory's Go heap a second time, which in WebAssembly never shrinks.

// Part is a piece of a body: bytes, or (Staged not "") the object a seed in parts staged for
// agency Staged, which the journal StagedShard names holds.
type Part struct {
	Bytes  []byte
	Staged string
}

// StagedShard is the journal that holds the object staged for p.Staged.
func (p Part) StagedShard() Shard { return staged(p.Staged) }

// StagedSender is a Transport that sends a body of parts, the staged ones as its storage
// holds them.
type StagedSender interface {
	SendParts(ctx context.Context, object, step string, parts []Part) ([]byte, error)
}

// sendParts sends parts to object: through the transport's own SendParts where it has one,
// else joined here, each staged part read from its journal.
func (w *Writers) sendParts(object, step string, parts []Part) ([]byte, error) {
	if s, ok := w.objects.(StagedSender); ok {
		return s.SendParts(context.Background(), object, step, parts)
	}
	var body []byte
	for _, p := range parts {
		if p.Staged == "" {
			body = append(body, p.Bytes...)
			continue
		}
		obj, err := w.stagedObject(p.Staged)
		if err != nil {
			return nil, err
		}
		body = append(body, obj...)
	}
	return w.objects.Send(context.Background(), object, step, body)
}

// stagedHole is what a cut holds in the place of an agency whole that is sent staged.
var stagedHole = []byte("null")

// stagedCut cuts doc, whose agencies array holds stagedHole for each agency of whole (in the
// document's order), into parts that put each one's staged object in its place.
func stagedCut(doc []byte, whole []string) ([]Part, error) {
	var parts []Part
	at, n := 0, 0
	var err error
	gjson.Get(inPlace(doc), "agencies").ForEach(func(_, x gjson.Result) bool {
		if x.Type != gjson.Null {
			return true
		}
		if n == len(whole) || !bytes.HasPrefix(doc[x.Index:], stagedHole) {
			err = fmt.Errorf("the seed's cut holds a place for more agencies than the %d it checks whole", len(whole))
			return false
		}
		parts = append(parts, Part{Bytes: doc[at:x.Index]}, Part{Staged: whole[n]})
		at, n = x.Index+len(stagedHole), n+1
		return true
	})
	if err == nil && n != len(whole) {
		err = fmt.Errorf("the seed's cut holds places for %d of the %d agencies it checks whole", n, len(whole))
	}
	return append(parts, Part{Bytes: doc[at:]}), err
}
