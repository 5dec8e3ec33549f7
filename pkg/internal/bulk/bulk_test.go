package bulk

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// stallFirst returns work whose input 0 waits until every other input has
// finished: the shape of a list whose first domain never answers. A
// pipeline that lets workers run only a fixed distance ahead of the output
// deadlocks on it (the test's context then ends it).
func stallFirst(t *testing.T, n int) func(context.Context, int) int {
	var finished atomic.Int64
	others := make(chan struct{})
	return func(ctx context.Context, i int) int {
		if i == 0 {
			select {
			case <-others:
			case <-ctx.Done():
				t.Error("input 0 was never released: the other inputs did not finish while it stalled")
			}
			return i
		}
		if finished.Add(1) == int64(n-1) {
			close(others)
		}
		return i
	}
}

// collect runs work over 0..n-1 and returns the results in the order they
// were written.
func collect(t *testing.T, n int, o Options, work func(context.Context, int) int) ([]int, Stats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []int
	st, err := Run(ctx, count(n), o, work, func(v int) error {
		got = append(got, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func TestRunSlowHeadInOrder(t *testing.T) {
	const n = 200
	got, st := collect(t, n, Options{Workers: 4, Window: 512}, stallFirst(t, n))
	if !slices.Equal(got, slices.Collect(count(n))) {
		t.Errorf("results out of order or missing: %v", got)
	}
	if st.Inputs != n || st.Written != n || st.Reordered != 0 {
		t.Errorf("stats %+v, want %d inputs and results, none reordered", st, n)
	}
	// Nearly everything after the stalled head waited for it (the last
	// few may still be on their way when it is released), within the
	// window.
	if st.MaxHeld < n-1-4 || st.MaxHeld > 512 {
		t.Errorf("MaxHeld = %d, want about %d", st.MaxHeld, n-1)
	}
}

func TestRunWindowOverflowWritesAhead(t *testing.T) {
	const n, window = 1000, 50
	got, st := collect(t, n, Options{Workers: 8, Window: window}, stallFirst(t, n))
	head := slices.Index(got, 0)
	if len(got) != n || head < window {
		t.Fatalf("got %d results with the stalled input 0 at %d, want %d with at least the window (%d) written ahead of it", len(got), head, n, window)
	}
	// Inputs still running at a spill are written after later ones, so
	// only completeness is certain, not the order among the others.
	if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, slices.Collect(count(n))) {
		t.Errorf("not every input written exactly once: %v", got)
	}
	if st.Reordered != head {
		t.Errorf("Reordered = %d, want the %d results written before input 0", st.Reordered, head)
	}
	// Memory: never more finished results waiting than the window.
	if st.MaxHeld > window {
		t.Errorf("held %d results at once, window is %d", st.MaxHeld, window)
	}
}

func TestRunKeepOrderWaitsForHead(t *testing.T) {
	const n, window, workers = 300, 8, 3
	release := make(chan struct{})
	var started atomic.Int64
	work := func(ctx context.Context, i int) int {
		started.Add(1)
		if i == 0 {
			<-release
		}
		return i
	}
	go func() {
		// Let the others run into the full window before the head ends.
		for started.Load() < window+workers {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		close(release)
	}()
	got, st := collect(t, n, Options{Workers: workers, Window: window, KeepOrder: true}, work)
	if !slices.Equal(got, slices.Collect(count(n))) {
		t.Errorf("results out of order or missing: %v", got)
	}
	if st.Reordered != 0 || st.MaxHeld > window+workers {
		t.Errorf("stats %+v, want nothing reordered and at most %d held", st, window+workers)
	}
	if st.MaxHeld < window {
		t.Errorf("MaxHeld = %d: the window never filled behind the slow head", st.MaxHeld)
	}
}

func TestRunWorkersNeverIdleBehindSlowInput(t *testing.T) {
	// Two workers, input 0 stalls until inputs 1..n-1 are done: they can
	// only get done if the second worker keeps pulling.
	const n = 50
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var done int
	st, err := Run(ctx, count(n), Options{Workers: 2, Window: 4, Done: func() { done++ }}, stallFirst(t, n), func(int) error { return nil })
	if err != nil || st.Written != n || done != n {
		t.Errorf("err %v, stats %+v, Done called %d times; want %d written", err, st, done, n)
	}
}

func TestRunEmitErrorStops(t *testing.T) {
	stop := errors.New("stdout closed")
	var worked atomic.Int64
	calls := 0
	st, err := Run(context.Background(), count(100000), Options{Workers: 4, Window: 8},
		func(_ context.Context, i int) int { worked.Add(1); return i },
		func(int) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d emits, want the emit error after 1", err, calls)
	}
	// The input stops being read soon after: at most the window and the
	// workers' share beyond the failed write.
	if st.Inputs > 1+8+4+4 || worked.Load() > int64(st.Inputs) {
		t.Errorf("read %d inputs, worked %d after the writer failed", st.Inputs, worked.Load())
	}
}

func TestRunContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Run(ctx, count(1000), Options{Workers: 3}, func(_ context.Context, i int) int { return i }, func(int) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("err %v: a cancelled run reports no emit error", err)
	}
	if n >= 1000 {
		t.Errorf("wrote all %d results after the context ended", n)
	}
}

func TestRunEmpty(t *testing.T) {
	st, err := Run(context.Background(), count(0), Options{}, func(_ context.Context, i int) int { return i },
		func(int) error { t.Error("emit called"); return nil })
	if err != nil || st != (Stats{}) {
		t.Errorf("stats %+v err %v", st, err)
	}
}
