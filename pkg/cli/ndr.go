package cli

import (
	"bufio"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/ndr"
	"github.com/mailflowkit/mailflow/pkg/report"
)

type ndrOptions struct {
	workers int
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &ndrOptions{}
		cmd := &cobra.Command{
			Use:   "ndr [INPUT...]",
			Short: "Explain bounces: a status code, an NDR text, an .eml bounce or an mbox of them",
			Long: `Explain why mail bounced. Each INPUT is one of:

  a status code or reply line   5.4.4, "550 5.7.1", "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##"
  a file                        a bounce message (.eml), a pasted NDR text, or an mbox of bounces
  -                             standard input (paste, then Ctrl-D); the default when stdin is a pipe

For every recipient it reports the enhanced status, the reply code, a reason
(Sisimai's vocabulary: userunknown, mailboxfull, blocked, ...), whether the
bounce is hard, what the code means, the likely cause and what to check.
With several inputs or an mbox it adds a summary by reason, status and
recipient domain. --format jsonl writes one line per input or mbox message.

Exit codes: 0 when the inputs were read (a bounce is not a failure of the
tool), 2 when an input cannot be read or is neither a file nor a code.`,
			Example: `  mailflow ndr 5.7.1
  mailflow ndr '#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##'
  mailflow ndr bounce.eml
  mailflow ndr --format jsonl bounces.mbox > bounces.jsonl`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
					return err
				}
				if o.workers < 0 {
					return Usagef("--workers must not be negative, got %d", o.workers)
				}
				if len(args) == 0 {
					if e.IO.StdinTTY {
						return WithHint(Usagef("ndr needs an input: a status code, a file, or - for standard input"),
							"paste an NDR with 'mailflow ndr -', then press Ctrl-D")
					}
					args = []string{"-"}
				}
				return runNDR(e, o, args)
			}),
		}
		cmd.Flags().IntVar(&o.workers, "workers", 0, "goroutines parsing mbox messages (0: one per CPU)")
		return cmd
	})
}

// ndrInput is one resolved command-line input.
type ndrInput struct {
	arg  string
	code *ndr.Result // set when arg is a bare code
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
			out = append(out, ndrInput{arg: a})
			continue
		case !errors.Is(err, os.ErrNotExist):
			return nil, Inputf("%s: %v", a, unwrapPathError(err))
		}
		if r, ok := ndr.ParseCode(a); ok {
			out = append(out, ndrInput{arg: a, code: &r})
			continue
		}
		return nil, Inputf("%s: no such file, and not a status code or SMTP reply line", a)
	}
	return out, nil
}

// ndrRun reads the inputs of one invocation. jsonl streams each result as
// it is parsed, so an mbox of any size is never held in memory; the other
// formats collect the results for one report.
type ndrRun struct {
	e       *Env
	o       *ndrOptions
	collect *ndr.Collector // nil when streaming
}

func runNDR(e *Env, o *ndrOptions, args []string) error {
	started := e.Now()
	inputs, err := resolveInputs(args)
	if err != nil {
		return err
	}
	run := &ndrRun{e: e, o: o}
	if e.Format != "jsonl" {
		run.collect = ndr.NewCollector()
	}
	for _, in := range inputs {
		if err := run.read(in); err != nil {
			return err
		}
	}
	if run.collect == nil {
		return nil
	}
	return e.Render(run.collect.Report(args, started, e.Now().Sub(started)))
}

// read parses one input and records its results.
func (run *ndrRun) read(in ndrInput) error {
	if in.code != nil {
		return run.add(*in.code)
	}
	name := inputName("", in.arg)
	r, done, err := openInput(run.e, "", in.arg)
	if err != nil {
		return err
	}
	defer done()
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Inputf("%s: %v", name, err)
	}
	if ndr.IsMbox(head) {
		return run.readMbox(br, name)
	}
	o := ndr.Options{}
	if st, err := os.Stat(in.arg); err == nil && in.arg != "-" && st.Mode().IsRegular() {
		o.SizeHint = st.Size()
	}
	return run.add(ndr.ParseReader(br, name, o))
}

// add records a result that stands alone, or streams it.
func (run *ndrRun) add(res ndr.Result) error {
	if run.collect == nil {
		return report.WriteJSONLine(run.e.IO.Out, res)
	}
	run.collect.Add(res)
	return nil
}

func (run *ndrRun) readMbox(r io.Reader, name string) error {
	var msgs []ndr.Result
	_, err := ndr.ParseMbox(r, name, run.o.workers, func(res ndr.Result) error {
		if run.collect != nil {
			msgs = append(msgs, res)
			return nil
		}
		if err := report.WriteJSONLine(run.e.IO.Out, res); err != nil {
			return writeError{err}
		}
		return nil
	})
	if err != nil {
		var werr writeError
		if errors.As(err, &werr) {
			return werr.err
		}
		return Inputf("%s: %v", name, err)
	}
	if run.collect != nil {
		run.collect.AddMbox(name, msgs)
	}
	return nil
}

// writeError marks an output failure while streaming, which is not the
// input's fault.
type writeError struct{ err error }

func (w writeError) Error() string { return w.err.Error() }
