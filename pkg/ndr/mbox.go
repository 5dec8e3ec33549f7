package ndr

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"runtime"
	"strconv"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
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
var envelopeLineRE = lazyRE(`^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}(?::\d{2})? `)

// mboxMessage is one message split out of an mbox, numbered from 1.
type mboxMessage struct {
	index int
	data  []byte
	// oversize is set when the message passed the size cap; data then holds
	// only its start.
	oversize bool
}

// splitMbox streams the messages of an mbox to yield, holding at most one
// message (capped at maxBytes) in memory. A message starts at a line
// beginning with "From " that opens the file or follows an empty line;
// ">From " lines (mboxrd quoting) lose one '>'. yield returning false stops
// the split.
func splitMbox(r io.Reader, maxBytes int, yield func(mboxMessage) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur      []byte
		index    int
		started  bool
		oversize bool
		prevNL   = true // the previous line was empty (or there was none)
		line     []byte
	)
	emit := func() bool {
		if !started {
			return true
		}
		msg := mboxMessage{index: index, data: cur, oversize: oversize}
		cur, oversize = nil, false
		return yield(msg)
	}
	for {
		var err error
		line, err = readLine(br, line[:0])
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
			if len(cur)+len(line) > maxBytes {
				oversize = true
			} else if !oversize {
				cur = append(cur, line...)
			}
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

// readLine reads one line including its newline, growing buf as needed.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

// MboxOptions tune ParseMboxWith.
type MboxOptions struct {
	// Workers parse messages at once; 0 means one per CPU.
	Workers int
	// Done is called once per message parsed, for progress meters.
	Done func()
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
	var readErr error
	messages := func(yield func(mboxMessage) bool) {
		readErr = splitMbox(r, DefaultMaxMessageBytes, yield)
	}
	parse := func(_ context.Context, m mboxMessage) Result {
		name := source + "#" + strconv.Itoa(m.index)
		if m.oversize {
			return unparsed(Result{Source: name, Recipients: []Recipient{}}, tooLargeError(DefaultMaxMessageBytes))
		}
		return Parse(m.data, name)
	}
	st, err := bulk.Run(context.Background(), messages, bulk.Options{Workers: workers, Done: o.Done}, parse, emit)
	if err != nil {
		return st.Written, err
	}
	return st.Written, readErr
}
