//go:build js && wasm

package main

import (
	"strings"

	"github.com/connsec/connsec/wasm/edge"
)

// stopEnv names, for the workerd test of a stop between the claim protocol's steps
// (test/objects.test.mjs), an Idempotency-Key: an agency's object whose batch under that key was
// reserved in the directory stops before it records it — its request never returns, nor does
// anything after it in that object, as if the process had stopped there — until wrangler is
// stopped. Unset (as in every deployment), nothing stops.
const stopEnv = "CONNSEC_TEST_STOP_BEFORE_RECORD"

// stoppingJournals are an agency object's journals that stop before recording the batch under
// the key named by stopEnv.
type stoppingJournals struct {
	sqlJournals
	key string
}

func (j stoppingJournals) Journal(s edge.Shard) edge.Journal {
	return stoppingJournal{j.sqlJournals.Journal(s).(sqlJournal), j.key}
}

type stoppingJournal struct {
	sqlJournal
	key string
}

func (j stoppingJournal) Record(r edge.Record) error {
	if r.Entry != nil && strings.HasSuffix(r.Key, "/"+j.key) {
		select {} // stopped: the directory holds the claim, this journal never gets the batch
	}
	return j.sqlJournal.Record(r)
}
