package collector

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

const mb = 1 << 20

// TestPercent: the goal is what is live and room to work (a quarter, 16 MB at least, and 16 MB
// for the runtime), or the floor when that is more, as a GOGC between 10 and the most given.
func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, floor uint64
		most, want  int
	}{
		{live: 100 * mb, most: 800, want: 41},                 // 25 + 16 MB over 100
		{live: 40 * mb, most: 800, want: 80},                  // 16 + 16 MB over 40
		{live: 4 * mb, most: 800, want: 800},                  // 32 MB over 4: capped
		{live: 20 * mb, floor: 64 * mb, most: 800, want: 220}, // up to the floor
		{live: 200 * mb, floor: 64 * mb, most: 10, want: 10},
		{live: 2000 * mb, most: 800, want: 25},
	} {
		if got := Percent(c.live, c.floor, c.most); got != c.want {
			t.Errorf("Percent(%d MB, floor %d MB, most %d) = %d, want %d", c.live/mb, c.floor/mb, c.most, got, c.want)
		}
	}
}

// TestAt: in the middle of the call GOGC is the call's, and after it the pace is settled from
// what is live (never below 10, never above Idle); Busy paces the calls after it again.
func TestAt(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		busy, gogc, want int
	}{{busy: 10, gogc: 50, want: 10}, {busy: 0, gogc: 25, want: 100}, {busy: 100, gogc: 50, want: 100}} {
		p := &Pace{Idle: 800, Busy: c.busy}
		inside := At(p, c.gogc, func() int { return debug.SetGCPercent(-1) })
		if inside != c.gogc {
			t.Errorf("Busy %d, At %d: GOGC %d in the call", c.busy, c.gogc, inside)
		}
		if p.mid.Load() != int64(c.want) {
			t.Errorf("Busy %d: the calls after At are paced at most at %d, want %d", c.busy, p.mid.Load(), c.want)
		}
		runtime.GC()
		p.Settle()
		if after := debug.SetGCPercent(100); after < 10 || after > 800 {
			t.Errorf("Busy %d: GOGC %d after the call", c.busy, after)
		}
	}
}

// TestStart: once started, each collection paces the heap at Busy at most, until the call
// settles it again.
func TestStart(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	p := &Pace{Idle: 800, Busy: 10}
	p.Start()
	defer p.mid.Store(100) // the sentinel lives on in this process: pace it as Go would
	paced := false
	for i := 0; i < 100 && !paced; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer runs on a goroutine of its own
		g := debug.SetGCPercent(-1)
		debug.SetGCPercent(g)
		paced = g == 10
	}
	if !paced {
		t.Fatal("after collections the heap is not paced at Busy")
	}
	p.Settle()
	if g := debug.SetGCPercent(100); g <= 10 {
		t.Errorf("after the call settled, GOGC is %d: the room between calls was not given back", g)
	}
}
