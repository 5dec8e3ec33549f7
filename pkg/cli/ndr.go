package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
	"github.com/mailflowkit/mailflow/pkg/internal/textenc"
	"github.com/mailflowkit/mailflow/pkg/ndr"
)

type ndrOptions struct {
	workers  int
	maxInput int // MiB
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &ndrOptions{}
		cmd := &cobra.Command{
			Use:   "ndr [INPUT...]",
			Short: "Explain bounces: a status code, an NDR text, an .eml bounce or an mbox of them",
			Long: `Explain why mail bounced. Each INPUT is one of:

  a status code or reply line   5.4.4, "550 5.7.1", "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##"
  a file                        a bounce message (.eml), a pasted NDR text, an mbox of bounces,
                                or a mail log: Postfix, Sendmail or Exim lines, an Exchange
                                message tracking log or an Exchange Online message trace (CSV)
  -                             standard input (paste, then Ctrl-D); the default when stdin is a pipe

For every recipient it reports the enhanced status, the reply code, a reason
(Sisimai's vocabulary: userunknown, mailboxfull, blocked, ...), whether the
bounce is hard, what the code means, the likely cause and what to check.
Every log line that records a failed or delayed delivery is explained like
a bounce; the other lines are counted in the summary. With several inputs,
an mbox or a log it adds a summary by reason, status and recipient domain.
--format jsonl writes one line per input, mbox message or failed log line.

Each input (a file, standard input, one mbox message) is read to its end
up to --max-input MiB; past it, the result says how much was not read.

Exit codes: 0 when the inputs were read (a bounce is not a failure of the
tool), 2 when an input cannot be read or is neither a file nor a code.`,
			Example: `  mailflow ndr 5.7.1
  mailflow ndr '#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##'
  mailflow ndr bounce.eml
  mailflow ndr --format jsonl bounces.mbox > bounces.jsonl
  grep status=bounced /var/log/mail.log | mailflow ndr
  mailflow ndr -v MSGTRK20240505-1.LOG`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
					return err
				}
				if o.workers < 0 {
					return Usagef("--workers must not be negative, got %d", o.workers)
				}
				if err := inRange("--max-input", o.maxInput, 1, maxInputMiB); err != nil {
					return err
				}
				if len(args) == 0 {
					if e.IO.StdinTTY {
						return WithHint(Usagef("ndr needs an input: a status code, a file, or - for standard input"),
							"paste an NDR with 'mailflow ndr -', then press Ctrl-D")
					}
					args = []string{"-"}
				}
				return runNDR(cmd.Context(), e, o, args)
			}),
		}
		cmd.Flags().IntVar(&o.workers, "workers", 0, "goroutines parsing bounce files and mbox messages (0: one per CPU)")
		cmd.Flags().IntVar(&o.maxInput, "max-input", ndr.DefaultMaxInput>>20, "most MiB read of one input: a file, standard input, one mbox message")
		return cmd
	})
}

// ndrInput is one resolved command-line input.
type ndrInput struct {
	arg  string
	code *ndr.Result // set when arg is a bare code
	// size is the size of a regular file, 0 for anything else.
	size int64
}

// resolveInputs checks every input before any output is written, so a typo
// in the third argument does not leave half a report behind.
func resolveInputs(args []string) ([]ndrInput, error) {
	var out []ndrInput
	stdin := false
	for _, a := range args {
		if a == "-" {
			if stdin {
				return nil, Usagef("standard input (-) can be given only once")
			}
			stdin = true
			out = append(out, ndrInput{arg: a})
			continue
		}
		st, err := os.Stat(a)
		switch {
		case err == nil && st.IsDir():
			return nil, Inputf("%s: is a directory; give the bounce files or an mbox", a)
		case err == nil:
			in := ndrInput{arg: a}
			if st.Mode().IsRegular() {
				in.size = st.Size()
			}
			out = append(out, in)
			continue
		case !errors.Is(err, os.ErrNotExist):
			return nil, Inputf("%s: %v", a, unwrapPathError(err))
		}
		if r, ok := ndr.ParseCode(a); ok {
			out = append(out, ndrInput{arg: a, code: &r})
			continue
		}
		if strings.TrimSpace(a) == "" {
			return nil, Inputf("an empty argument: give a file, a status code or a reply line")
		}
		return nil, Inputf("%s: no such file, and not a status code or SMTP reply line", a)
	}
	return out, nil
}

// ndrRun reads the inputs of one invocation. Results stream through a
// Collector that keeps only what the chosen output shows: JSON lines write
// each result as it is parsed and keep counts for the summary record, text
// keeps the summary (and the per-message rows with -v), and only the JSON
// document holds every result.
type ndrRun struct {
	e       *Env
	o       *ndrOptions
	collect *ndr.Collector
	tally   *bulkTally // JSON lines
	doc     *docStream // the JSON document
	out     *bulkWriter
	// read counts the bytes read from files, for the progress bar.
	bytesRead atomic.Int64
	bar       *progress
}

// ndrProgressBytes is the input size from which ndr draws a progress bar:
// below it a run is over before a bar would say anything. Tests lower it.
var ndrProgressBytes int64 = 8 << 20

// ndrGCPercent is the garbage collector's target while ndr runs, unless
// GOGC says otherwise. Parsing leaves a small live heap and much
// short-lived garbage, so at Go's default (100) the collector runs every
// few megabytes and hands pages back to the system that the next message
// faults in again: a third of a 50 MB mbox's time, and a tenth of a run
// over a few hundred bounce files, went there. At 200 both are gone
// (docs/ndr.md) for about 4 MiB more resident memory; a big single message
// does not grow, since its text dominates the heap either way.
const ndrGCPercent = 200

func runNDR(ctx context.Context, e *Env, o *ndrOptions, args []string) error {
	// The process's own environment, not e.IO's: the Go runtime reads
	// GOGC from there, and it is the user's setting to respect.
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(ndrGCPercent))
	}
	started := e.Now()
	inputs, err := resolveInputs(args)
	if err != nil {
		return err
	}
	run := &ndrRun{e: e, o: o, collect: ndr.NewCollector()}
	switch e.Format {
	case "jsonl":
		run.collect.Lean(false, false)
		run.collect.NoSections()
		run.tally = newBulkTally(e, "ndr")
		run.out = newBulkWriter(e.IO.Out)
	case "json":
		run.collect.Lean(false, false)
		run.collect.NoSections()
		run.out = newBulkWriter(e.IO.Out)
		run.doc = newDocStream(run.out)
	default:
		run.collect.Lean(false, e.Verbose)
	}
	if e.progressShown() {
		if size := inputBytes(inputs); size >= ndrProgressBytes {
			run.bar = e.newProgress("ndr", "", size, true)
		}
	}
	_, err = bulk.Run(ctx, slices.Values(inputs), bulk.Options{Workers: run.workers(), Window: ndrWindow, KeepOrder: true}, run.parse, run.emit)
	run.bar.done()
	if err != nil {
		return err
	}
	rep := run.collect.Report(args, started, e.Now().Sub(started))
	if run.doc != nil {
		exit := e.ExitFor(rep.Findings)
		err := run.doc.findings(rep.Findings)
		rep.Findings = nil
		if err := cmp.Or(err, run.doc.finish(rep, rep.Data, exit), run.out.Flush()); err != nil {
			return err
		}
		return Exit(exit)
	}
	if run.tally == nil {
		return e.Render(rep)
	}
	run.tally.runFindings(rep.Findings)
	sum := rep.Data.(ndr.ReportData).Summary
	run.tally.totals = &sum
	if err := cmp.Or(run.tally.writeSummary(run.out), run.out.Flush()); err != nil {
		return err
	}
	return Exit(run.tally.exitCode())
}

// inputBytes is the size of the regular files among inputs.
func inputBytes(inputs []ndrInput) int64 {
	var n int64
	for _, in := range inputs {
		n += in.size
	}
	return n
}

// ndrWindow bounds the parsed single messages that wait for an earlier
// input (an mbox being read, a large message still parsing). The run keeps
// the order of the arguments: the workers wait rather than write ahead.
const ndrWindow = 16

// parsed is what a worker made of one input: the result of a single
// message or code, or the note that the input streams its results (an
// mbox, a log, standard input) and is read by the writer in its turn.
type parsed struct {
	in     ndrInput
	res    ndr.Result
	stream bool
	err    error
}

// parse reads a single-message input on a worker, so a few hundred bounce
// files are parsed on every CPU while their results are written in order.
func (run *ndrRun) parse(_ context.Context, in ndrInput) parsed {
	switch {
	case in.code != nil:
		return parsed{in: in, res: *in.code}
	case in.arg == "-":
		return parsed{in: in, stream: true}
	}
	// Uncounted: a streaming input is opened again by the writer, and a
	// message counts once parsed.
	var n atomic.Int64
	src, err := run.open(in, &n)
	if err != nil {
		return parsed{in: in, err: err}
	}
	defer src.close()
	if src.kind != ndrMessage {
		return parsed{in: in, stream: true}
	}
	res := run.parseMessage(src, in)
	run.bytesRead.Add(n.Load())
	return parsed{in: in, res: res}
}

// emit records a parsed input, or reads a streaming one now.
func (run *ndrRun) emit(p parsed) error {
	switch {
	case p.err != nil:
		return p.err
	case p.stream:
		return run.read(p.in)
	}
	run.bar.set(run.bytesRead.Load())
	return run.add(p.in.arg, p.res)
}

// read parses one input and records its results.
func (run *ndrRun) read(in ndrInput) error {
	src, err := run.open(in, &run.bytesRead)
	if err != nil {
		return err
	}
	defer src.close()
	switch src.kind {
	case ndrMbox:
		return run.readMbox(src.r, in.arg, src.name)
	case ndrLog:
		return run.readLog(src.r, in.arg, src.name)
	}
	res := run.parseMessage(src, in)
	run.bar.set(run.bytesRead.Load())
	return run.add(in.arg, res)
}

type ndrKind int

const (
	ndrMessage ndrKind = iota
	ndrMbox
	ndrLog
)

// ndrSource is an opened input whose format is known.
type ndrSource struct {
	r     *bufio.Reader
	name  string
	kind  ndrKind
	close func()
}

// open opens an input and tells its format from its head. The bytes read
// from a file are added to read, for the progress bar.
func (run *ndrRun) open(in ndrInput, read *atomic.Int64) (ndrSource, error) {
	name := inputName("", in.arg)
	r, done, err := openInput(run.e, "", in.arg)
	if err != nil {
		return ndrSource{}, err
	}
	if in.arg != "-" {
		r = countingReader{r: r, n: read}
	}
	// The buffer holds the head the format is told by; the parsers read
	// through it with buffers of their own.
	br := bufio.NewReaderSize(r, 8<<10)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		done()
		return ndrSource{}, Inputf("%s: %v", name, err)
	}
	src := ndrSource{r: br, name: name, close: done}
	u, utf16 := textenc.SniffUTF16(head)
	if utf16 {
		// Told apart on the decoded head. A message is handed over as it
		// is: ndr.ParseReader decodes it and counts --max-input in the
		// file's bytes. An mbox or a log is read here, decoded.
		head, _ = io.ReadAll(u.Reader(bytes.NewReader(head)))
	}
	switch {
	case ndr.IsMbox(head):
		src.kind = ndrMbox
	case ndr.IsLog(head):
		src.kind = ndrLog
	}
	if utf16 && src.kind != ndrMessage {
		src.r = bufio.NewReaderSize(u.Reader(br), 8<<10)
	}
	return src, nil
}

func (run *ndrRun) parseMessage(src ndrSource, in ndrInput) ndr.Result {
	return ndr.ParseReader(src.r, src.name, ndr.Options{MaxInput: run.maxInput(), SizeHint: in.size})
}

// add records a result that stands alone.
func (run *ndrRun) add(target string, res ndr.Result) error {
	if err := run.stream(target, res); err != nil {
		return err
	}
	run.collect.Add(res)
	return nil
}

// stream writes a result as it is read: a JSON-lines record, or an
// element of the JSON document's data.results with its explanations.
func (run *ndrRun) stream(target string, res ndr.Result) error {
	switch {
	case run.tally != nil:
		return run.writeRecord(target, res)
	case run.doc != nil:
		ndr.Annotate(&res)
		return run.doc.result(res)
	}
	return nil
}

// ndrRecordHead leads the "result" line of --format jsonl; the fields of
// the parsed input follow in the same object.
type ndrRecordHead struct {
	Type string `json:"type" jsonschema:"enum=result"`
	// Target is the input as given: the file, or the code as typed.
	Target string `json:"target"`
}

type ndrRecord struct {
	ndrRecordHead
	ndr.Result
}

// writeRecord writes one JSON-lines "result" record.
func (run *ndrRun) writeRecord(target string, res ndr.Result) error {
	run.tally.result(string(res.Kind), nil)
	return run.out.record(ndrRecord{ndrRecordHead{"result", target}, res})
}

func (run *ndrRun) readMbox(r io.Reader, target, name string) error {
	run.collect.BeginMbox(name)
	o := ndr.MboxOptions{Workers: run.o.workers, MaxInput: run.maxInput(), Done: func() { run.bar.set(run.bytesRead.Load()) }}
	_, err := ndr.ParseMboxWith(r, name, o, run.each(target))
	run.collect.EndMbox()
	return streamErr(name, err)
}

// readLog explains the failed and delayed deliveries of a mail log, one
// result per line in log order, and counts its other lines.
func (run *ndrRun) readLog(r io.Reader, target, name string) error {
	run.collect.BeginLog(name)
	st, err := ndr.ParseLog(tickReader{r: r, tick: func() { run.bar.set(run.bytesRead.Load()) }}, name, run.each(target))
	run.collect.EndLog(st)
	return streamErr(name, err)
}

// each streams and collects the results of one mbox or log as they come.
func (run *ndrRun) each(target string) func(ndr.Result) error {
	return func(res ndr.Result) error {
		if err := run.stream(target, res); err != nil {
			return writeError{err}
		}
		run.collect.AddMessage(res)
		return nil
	}
}

// streamErr returns an output failure as it is, and a read failure as the
// input's.
func streamErr(name string, err error) error {
	var werr writeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &werr):
		return werr.err
	}
	return Inputf("%s: %v", name, err)
}

func (run *ndrRun) maxInput() int64 { return int64(run.o.maxInput) << 20 }

// workers is --workers, or one per CPU.
func (run *ndrRun) workers() int {
	if run.o.workers > 0 {
		return run.o.workers
	}
	return runtime.NumCPU()
}

// tickReader calls tick after every read, for a progress bar over input
// that yields results rarely (a log of deliveries).
type tickReader struct {
	r    io.Reader
	tick func()
}

func (t tickReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.tick()
	return n, err
}

// writeError marks an output failure while streaming, which is not the
// input's fault.
type writeError struct{ err error }

func (w writeError) Error() string { return w.err.Error() }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
