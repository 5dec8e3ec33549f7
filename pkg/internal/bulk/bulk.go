// Package bulk runs one piece of work over a stream of inputs with a fixed
// number of workers and hands the results back in input order, the engine
// under every mailflow command that checks many things at once (mx --file,
// dnsbl over a list or a range, ndr over an mbox, smtp --all-mx).
//
// Workers pull the next input as soon as they are free, so a slow input
// (a domain whose server never answers) occupies one worker and never
// idles the others. Finished results wait in a bounded reorder window until
// every earlier input is written. When the window is full because an early
// input is still running, the waiting results are written ahead of it, in
// input order among themselves, and counted in Stats.Reordered: output
// order is given up before throughput or memory is. Records of a bulk run
// carry their input locator ("source"), so a reader can restore the order.
//
// Memory is one result per window slot plus one per worker, whatever the
// length of the input; a result is dropped as soon as it is written. The
// package knows nothing about DNS, mail or output formats.
package bulk

import (
	"context"
	"iter"
	"slices"
	"sync"
)

// DefaultWindow is the reorder window when Options.Window is 0: large
// enough that in a typical run (a few slow inputs among many fast ones)
// nothing is ever written out of order, small enough that holding that
// many results costs a few megabytes.
const DefaultWindow = 1024

// Options tune a run.
type Options struct {
	// Workers is how many inputs are worked on at once; values below 1
	// mean 1.
	Workers int
	// Window is how many finished results may wait for an earlier one
	// before they are written out of order; 0 means DefaultWindow.
	Window int
	// Done, when set, is called once per finished input, in completion
	// order, from the goroutine that calls emit (progress meters).
	Done func()
	// KeepOrder makes a full window wait for the input at its head instead
	// of writing ahead of it: the workers idle behind a slow input, and the
	// output is in input order whatever happens. For work whose inputs
	// take about as long as each other (parsing files), where a stable
	// order is worth more than the time a rare slow input costs.
	KeepOrder bool
}

// Stats describe a finished run.
type Stats struct {
	// Inputs is how many inputs were taken from the sequence.
	Inputs int
	// Written is how many results were passed to emit.
	Written int
	// Reordered counts results written before the result of an earlier
	// input, because the window was full.
	Reordered int
	// MaxHeld is the largest number of finished results that waited at
	// once; it never exceeds the window.
	MaxHeld int
}

type done[Out any] struct {
	seq int
	out Out
}

// Run calls work for every input of inputs on o.Workers goroutines and
// emit with each result, in input order unless the window overflowed (see
// the package comment). emit runs on the calling goroutine, one call at a
// time. Run stops early when ctx ends or emit returns an error, which Run
// then returns; inputs already started are finished and dropped.
func Run[In, Out any](ctx context.Context, inputs iter.Seq[In], o Options, work func(context.Context, In) Out, emit func(Out) error) (Stats, error) {
	workers := max(o.Workers, 1)
	window := o.Window
	if window <= 0 {
		window = DefaultWindow
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		seq int
		in  In
	}
	jobs := make(chan job)
	results := make(chan done[Out], workers)
	// slots bounds the inputs taken but not yet written: the window plus
	// one per worker. The writer frees a slot per result written.
	slots := make(chan struct{}, window+workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				results <- done[Out]{j.seq, work(ctx, j.in)}
			}
		})
	}
	var st Stats
	taken := make(chan int, 1)
	go func() {
		defer close(jobs)
		n := 0
		defer func() { taken <- n }()
		for in := range inputs {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{n, in}:
				n++
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	w := writer[Out]{emit: emit, slots: slots, held: map[int]Out{}, ahead: map[int]bool{}, window: window, keepOrder: o.KeepOrder, st: &st}
	var err error
	for d := range results {
		if o.Done != nil {
			o.Done()
		}
		if err != nil {
			continue // draining after a failed emit
		}
		if err = w.add(d); err != nil {
			cancel()
		}
	}
	st.Inputs = <-taken
	return st, err
}

// writer puts results in order. held maps input numbers to finished
// results that wait for an earlier one; ahead marks inputs whose result
// was written out of order, so next can step over them.
type writer[Out any] struct {
	emit      func(Out) error
	slots     chan struct{}
	next      int
	held      map[int]Out
	ahead     map[int]bool
	window    int
	keepOrder bool
	st        *Stats
}

func (w *writer[Out]) write(out Out) error {
	<-w.slots
	w.st.Written++
	return w.emit(out)
}

func (w *writer[Out]) add(d done[Out]) error {
	if d.seq != w.next {
		w.held[d.seq] = d.out
		w.st.MaxHeld = max(w.st.MaxHeld, len(w.held))
		if len(w.held) < w.window || w.keepOrder {
			// Holding at most window+workers: the feeder waits for a
			// slot once that many inputs are taken and not written.
			return nil
		}
		// The window is full and the input at its head still runs:
		// write what waits rather than stall every worker behind it.
		return w.spill()
	}
	if err := w.write(d.out); err != nil {
		return err
	}
	w.next++
	return w.advance()
}

// advance writes held results that are now next in line.
func (w *writer[Out]) advance() error {
	for {
		if w.ahead[w.next] {
			delete(w.ahead, w.next)
			w.next++
			continue
		}
		out, ok := w.held[w.next]
		if !ok {
			return nil
		}
		delete(w.held, w.next)
		w.next++
		if err := w.write(out); err != nil {
			return err
		}
	}
}

// spill writes every held result, in input order among themselves, ahead
// of the unfinished inputs before them.
func (w *writer[Out]) spill() error {
	seqs := make([]int, 0, len(w.held))
	for s := range w.held {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for _, s := range seqs {
		out := w.held[s]
		delete(w.held, s)
		w.ahead[s] = true
		w.st.Reordered++
		if err := w.write(out); err != nil {
			return err
		}
	}
	return nil
}
