package edge

import (
	"bytes"
	"encoding/json"
	"testing"
)

// An agency's object writes its shard only at the version the directory read the parts at:
// at another it answers its own version and no shard (the directory reads again); before it
// holds a state it says so; an ask that does not read is refused.
func TestShardStepAnswersAtTheVersionAsked(t *testing.T) {
	aw := &agencyWriter{id: "ag-x"}
	head := func(out []byte) shardHead {
		t.Helper()
		line, _, _ := bytes.Cut(out, []byte("\n"))
		var h shardHead
		if err := json.Unmarshal(line, &h); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return h
	}
	top := []byte(`{"people":[],"agencies":[]}` + "\n")
	ask := func(version int) []byte {
		b, _ := json.Marshal(map[string]int{"version": version, "top": len(top)})
		return append(append(append(b, '\n'), top...), "[]"...)
	}
	aw.pub.Store(&published{version: 0})
	if out, err := shardStep(aw, ask(0)); err != nil || head(out).Held {
		t.Fatalf("an object holding no state: %s %v", out, err)
	}
	aw.pub.Store(&published{state: []byte(`{"id":"ag-x","name":"X","pages":[]}`), version: 3})
	out, err := shardStep(aw, ask(2))
	if h := head(out); err != nil || !h.Held || h.Written || h.Version != 3 {
		t.Fatalf("asked at version 2 of an object at 3: %s %v", out, err)
	}
	out, err = shardStep(aw, ask(3))
	h := head(out)
	_, shard, _ := bytes.Cut(out, []byte("\n"))
	if err != nil || !h.Written || !bytes.Contains(shard, []byte(`"agencies":[{"id":"ag-x"`)) || !bytes.HasSuffix(shard, []byte("\n")) {
		t.Fatalf("asked at its version: %s %v", out, err)
	}
	if _, err := shardStep(aw, []byte("{\"top\":9999}\n{}")); err == nil {
		t.Fatal("an ask without its version and size was taken")
	}
}
