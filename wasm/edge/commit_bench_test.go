package edge_test

import (
	"os"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/wasm/edge"
)

func BenchmarkCommitExample(b *testing.B) {
	data, _ := os.ReadFile("../../fixtures/example/snapshot.json")
	m, _ := evaluator.Load(data)
	batch := []byte(`{"actor":"p-1003","edits":[{"op":"set_reports_to","agency":"ag-alb","person":"p-1012","managers":["p-1010"]}]}`)
	b.Run("commit", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			edge.Commit(m, batch, time.Now())
		}
	})
	b.Run("whatif", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m.WhatIf(batch)
		}
	})
	b.Run("apply", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m.Apply(batch, time.Now())
		}
	})
}
