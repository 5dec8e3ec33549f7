package cli

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is the one-line bar a long run draws on standard error: count,
// rate and time left. It is drawn only for a person: standard error is a
// terminal and the output is not for machines (--format json or jsonl).
// A nil *progress draws nothing, so callers need no conditions.
//
// Every method is called from one goroutine (the one writing results), so
// the bar needs no lock of its own; its spinner ticker is off for that
// reason.
type progress struct {
	bar *progressbar.ProgressBar
	// clearFirst is set when results go to the same terminal: the bar is
	// wiped before each result line and redrawn after it.
	clearFirst bool
}

// progressThrottle bounds redraws; the first one comes at once.
const progressThrottle = 100 * time.Millisecond

// newProgress returns a bar titled desc for total items called unit
// ("domains"; total -1 when unknown, which shows a count and rate without
// an end), or for total bytes with bytes set. It returns nil when nobody
// would see it.
func (e *Env) newProgress(desc, unit string, total int64, bytes bool) *progress {
	if !e.progressShown() {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(e.IO.ErrOut),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(progressThrottle),
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionShowCount(),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionUseIECUnits(true))
	} else {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(unit))
		if total < 0 {
			opts = append(opts, progressbar.OptionSetElapsedTime(true))
		}
	}
	return &progress{bar: progressbar.NewOptions64(total, opts...), clearFirst: e.IO.StdoutTTY}
}

// progressShown says whether a progress bar would be seen, before a
// caller pays for counting its total.
func (e *Env) progressShown() bool {
	return e.IO.StderrTTY && e.Format != "json" && e.Format != "jsonl"
}

// add counts n more items (or bytes).
func (p *progress) add(n int) {
	if p != nil {
		p.bar.Add(n) //nolint:errcheck // a bar that cannot draw is no reason to stop
	}
}

// set moves the bar to n items (or bytes) done.
func (p *progress) set(n int64) {
	if p != nil {
		p.bar.Set64(n) //nolint:errcheck
	}
}

// done removes the bar; the run's own output follows.
func (p *progress) done() {
	if p != nil {
		p.bar.Exit()  //nolint:errcheck
		p.bar.Clear() //nolint:errcheck
	}
}

// out wraps w, the results' writer, so a result line never lands inside
// the bar when both share a terminal.
func (p *progress) out(w io.Writer) io.Writer {
	if p == nil || !p.clearFirst {
		return w
	}
	return clearingWriter{w: w, bar: p.bar}
}

type clearingWriter struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (c clearingWriter) Write(b []byte) (int, error) {
	c.bar.Clear() //nolint:errcheck
	return c.w.Write(b)
}
