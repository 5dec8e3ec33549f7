package ndr

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"runtime"
	"strconv"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// IsMbox reports whether data starts like an mbox file: an envelope "From "
// line. A single message saved with its envelope line is an mbox of one.
func IsMbox(data []byte) bool {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		i = len(data)
	}
	return mboxFromLine().Match(data[:i])
}

// envelopeLineRE matches a complete envelope line ("From sender Thu Jan  1
// 00:00:00 2024"), which starts a message even without the blank line mbox
// writers are supposed to leave before it.
var envelopeLineRE = lazyre.New(`^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}(?::\d{2})? `)

// mboxMessage is one message split out of an mbox, numbered from 1.
type mboxMessage struct {
	index int
	data  []byte
	// skipped counts the bytes of a message over the size cap that were
	// not kept; data then holds only its start.
	skipped int64
}

// splitMbox streams the messages of an mbox to yield, holding at most one
// message (capped at maxBytes) in memory. A message starts at a line
// beginning with "From " that opens the file or follows an empty line;
// ">From " lines (mboxrd quoting) lose one '>'. yield returning false stops
// the split.
func splitMbox(r io.Reader, maxBytes int64, yield func(mboxMessage) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur     []byte
		index   int
		started bool
		skipped int64
		prevNL  = true // the previous line was empty (or there was none)
		line    []byte
	)
	emit := func() bool {
		if !started {
			return true
		}
		msg := mboxMessage{index: index, data: cur, skipped: skipped}
		cur, skipped = nil, 0
		return yield(msg)
	}
	for {
		var err error
		var cut int64
		line, cut, err = readLine(br, line[:0], maxBytes-int64(len(cur)))
		if len(line) > 0 {
			body := bytes.TrimRight(line, "\r\n")
			if bytes.HasPrefix(body, []byte("From ")) && (prevNL || envelopeLineRE().Match(body)) {
				if !emit() {
					return nil
				}
				started = true
				index++
				prevNL = false
				if err != nil {
					break
				}
				continue
			}
			if !started {
				// Text before the first envelope line is not a message
				// of the mbox; treat the file as one message instead.
				started, index = true, 1
			}
			prevNL = len(body) == 0
			if quoted := bytes.TrimLeft(body, ">"); len(quoted) < len(body) && bytes.HasPrefix(quoted, []byte("From ")) {
				line = line[1:]
			}
			if skipped > 0 || int64(len(cur)+len(line)) > maxBytes {
				skipped += int64(len(line))
			} else {
				cur = append(cur, line...)
			}
			skipped += cut
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	emit()
	return nil
}

// readLine reads one line including its newline into buf, keeping at most
// room bytes (and never less than the first chunk, so the envelope test
// sees the line's start); cut counts the bytes of the line it dropped.
func readLine(br *bufio.Reader, buf []byte, room int64) (line []byte, cut int64, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf) > 0 && int64(len(buf)+len(chunk)) > room {
			cut += int64(len(chunk))
		} else {
			buf = append(buf, chunk...)
		}
		if err != bufio.ErrBufferFull {
			return buf, cut, err
		}
	}
}

// MboxOptions tune ParseMboxWith.
type MboxOptions struct {
	// Workers parse messages at once; 0 means one per CPU.
	Workers int
	// Done is called once per message parsed, for progress meters.
	Done func()
	// MaxInput is the most bytes read of one message (Options.MaxInput).
	MaxInput int64
}

// ParseMbox parses every message of an mbox read from r, on all cores, and
// calls emit with the results in mbox order; each message yields exactly one
// result. Memory stays bounded: only the messages being parsed and a window
// of parsed results are held at once. It returns the number of messages
// and the first read or emit error.
func ParseMbox(r io.Reader, source string, workers int, emit func(Result) error) (int, error) {
	return ParseMboxWith(r, source, MboxOptions{Workers: workers}, emit)
}

// ParseMboxWith is ParseMbox with options. A message that takes long to
// parse never idles the other workers (package bulk); results still come
// out in mbox order unless the reorder window overflows behind it.
func ParseMboxWith(r io.Reader, source string, o MboxOptions, emit func(Result) error) (int, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	limit := Options{MaxInput: o.MaxInput}.maxInput()
	var readErr error
	messages := func(yield func(mboxMessage) bool) {
		readErr = splitMbox(r, limit, yield)
	}
	parse := func(_ context.Context, m mboxMessage) Result {
		return parseMboxMessage(m, source, limit)
	}
	st, err := bulk.Run(context.Background(), messages, bulk.Options{Workers: workers, Done: o.Done}, parse, emit)
	if err != nil {
		return st.Written, err
	}
	return st.Written, readErr
}

// parseMboxMessage explains one message of an mbox; a message that passed
// the size cap is read up to it, and the result says how much was left.
func parseMboxMessage(msg mboxMessage, source string, limit int64) Result {
	res := ParseReader(bytes.NewReader(msg.data), source+"#"+strconv.Itoa(msg.index), Options{MaxInput: limit, SizeHint: int64(len(msg.data))})
	if msg.skipped > 0 {
		res.Truncated = append(res.Truncated, Truncation{Limit: "input", Max: limit, UnreadBytes: msg.skipped})
	}
	return res
}
