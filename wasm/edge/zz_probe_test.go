package edge

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestZZProbeStateObjects(t *testing.T) {
	snap, err := os.ReadFile("/tmp/state.json")
	if err != nil {
		t.Skip()
	}
	var parts bytes.Buffer
	WriteParts(&parts, snap)
	snap = nil
	objs := newObjects()
	d, _ := objs.object(Directory.String())
	t0 := time.Now()
	seedInPartsOf(t, d, parts.Bytes())
	t.Logf("seed in parts %v", time.Since(t0))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap after seed (all objects) %d MB", ms.HeapAlloc>>20)
	t0 = time.Now()
	v, _, err := d.Newest(context.Background())
	t.Logf("newest %v %v", time.Since(t0), err)
	_ = v
	t0 = time.Now()
	idx, _, err := d.Directory(context.Background())
	t.Logf("directory %v %v", time.Since(t0), err)
	t0 = time.Now()
	doc, _, err := d.AgencyShard(context.Background(), "ag-nyc")
	t.Logf("shard of nyc %v %d MB %v", time.Since(t0), len(doc)>>20, err)
	t0 = time.Now()
	doc, _, err = d.AgencyShard(context.Background(), idx.Agencies[100])
	t.Logf("shard of %s %v %d KB %v", idx.Agencies[100], time.Since(t0), len(doc)>>10, err)
}
