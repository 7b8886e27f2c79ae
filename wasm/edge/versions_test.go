package edge

import "testing"

func TestConsistencyTokens(t *testing.T) {
	v := Versions{}.With(Shard{Agency: "ag-sta"}, 2).With(Directory, 3).With(Shard{Agency: "ag.alb_1"}, 7)
	if got := v.String(); got != "d3~ag-sta.2~ag.alb_1.7" {
		t.Fatalf("token %q", got)
	}
	back, err := ParseVersions(v.String())
	if err != nil || back.String() != v.String() || !back.Covers(v) || !v.Covers(back) {
		t.Fatalf("read back: %v %v", back, err)
	}
	if (Versions{}).String() != "d0" || !v.Covers(Versions{}) || (Versions{}).Covers(v) {
		t.Fatal("the seeded state")
	}
	older := v.With(Shard{Agency: "ag-sta"}, 1)
	if !v.Covers(older) || older.Covers(v) {
		t.Fatal("covers")
	}
	if n := older.Newest(Versions{}.With(Shard{Agency: "ag-new"}, 1)); n.String() != "d3~ag-new.1~ag-sta.1~ag.alb_1.7" {
		t.Fatalf("newest %s", n)
	}
	for _, bad := range []string{"", "3", "d", "d-1", "d01", "d1~", "d1~ag", "d1~ag.0", "d1~ag.x", "d1~a g.1", "d1~ag.1~ag.2", "d1~.1", "x1"} {
		if _, err := ParseVersions(bad); err == nil {
			t.Errorf("%q was read as a token", bad)
		}
	}
}
