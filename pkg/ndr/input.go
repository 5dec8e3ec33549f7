package ndr

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/internal/textenc"
)

// DefaultMaxInput is how much of one input is read when Options.MaxInput
// is 0: a file, standard input, one message of an mbox. Bounces with the
// original message attached rarely pass 25 MiB, the size most providers
// accept.
const DefaultMaxInput = 50 << 20

// Options bound the reading of one input.
type Options struct {
	// MaxInput is the most bytes read of one input; what follows is not
	// read, and the Result says how much that was (Result.Truncated).
	// 0 means DefaultMaxInput.
	MaxInput int64
	// SizeHint is the size of the input when the caller knows it (a
	// regular file), so its text is held in one allocation.
	SizeHint int64
}

func (o Options) maxInput() int64 {
	if o.MaxInput <= 0 {
		return DefaultMaxInput
	}
	return o.MaxInput
}

// maxDrain bounds how far past the input limit the rest of an input is
// read to say how much was left unread; beyond it the count is a lower
// bound, and an endless stream (a pipe from yes) still ends.
const maxDrain = 1 << 30

// Parse explains one input held in memory: a complete message (with or
// without MIME), a pasted NDR text, pasted delivery-status fields or a
// pasted SMTP reply. It never fails: input it cannot read comes back as
// KindUnparsed with the reason.
func Parse(data []byte, source string) Result {
	return ParseReader(bytes.NewReader(data), source, Options{SizeHint: int64(len(data))})
}

// ParseReader explains one input read from r, in one pass and to its end
// or to o.MaxInput: the message is never held whole, only its text parts,
// its delivery-status parts and the start of the returned message.
func ParseReader(r io.Reader, source string, o Options) Result {
	return parseStream(r, source, o, nil, 0)
}

// parse is Parse with a size limit and a set of family layouts to leave out
// (the evaluation harness switches each family off in turn).
func parse(data []byte, source string, limit int64, without map[string]bool) Result {
	return parseStream(bytes.NewReader(data), source, Options{MaxInput: limit, SizeHint: int64(len(data))}, without, 0)
}

// maxNesting bounds how deep parseStream follows bounces attached to other
// messages (a list manager forwarding a bounce it could not read).
const maxNesting = 2

// binaryWindow is how much of the start of an input is checked for NUL
// bytes, which mail and pasted text never hold.
const binaryWindow = 4096

// oleMagic starts a compound document (Outlook .msg, Word .doc): what
// Outlook writes when a bounce is dragged out of it.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

func parseStream(r io.Reader, source string, o Options, without map[string]bool, depth int) (res Result) {
	res = Result{Source: source, Recipients: []Recipient{}}
	limit := o.maxInput()
	var first [4]byte
	n, _ := io.ReadFull(r, first[:])
	r = io.MultiReader(bytes.NewReader(first[:n]), r)
	// The limit counts the input's bytes, whatever their encoding.
	in := &inputReader{r: r, left: limit}
	var text io.Reader = in
	if u, ok := textenc.SniffUTF16(first[:n]); ok {
		// Windows tools save text as UTF-16 (PowerShell's > and
		// Out-File): decoded before anything looks at lines, and line
		// ends made LF after decoding, not on the UTF-16 bytes.
		in.keepEnds = true
		text = &lfReader{r: u.Reader(in)}
		o.SizeHint = 0 // the input's size is not the text's
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(text)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
		// Whatever the input turned out to be, say what the limit left.
		if in.left == 0 {
			if n, more := drain(r, maxDrain); n > 0 {
				res.Truncated = append(res.Truncated, Truncation{Limit: "input", Max: limit, UnreadBytes: n, AtLeast: more})
			}
		}
	}()

	if line, _ := br.Peek(min(br.Size(), 1024)); len(line) > 0 {
		if i := bytes.IndexByte(line, '\n'); i >= 0 && mboxFromLine().Match(line[:i]) {
			_, _ = br.Discard(i + 1)
		}
	}
	head, _ := br.Peek(binaryWindow)
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return unparsed(res, "an Outlook .msg file (a compound document), not a MIME message: open it in Outlook and paste its text into 'mailflow ndr -', or save it as text")
	case bytes.IndexByte(head, 0) >= 0:
		return unparsed(res, "binary data, not a mail message or NDR text")
	}
	start, err := br.Peek(br.Size())
	whole := err != nil // the input ends within the buffer
	if whole && len(bytes.TrimSpace(start)) == 0 {
		return unparsed(res, "empty input")
	}
	if whole && depth == 0 {
		if code, ok := replyInput(string(start), source); ok {
			return code
		}
	}
	m := readMessage(br, o.SizeHint)
	res = assemble(res, m, without)
	if res.Kind == KindNotBounce && depth < maxNesting && len(m.returned) > 0 {
		// The bounce may be the attachment: Mailman's "uncaught bounce
		// notification", a user forwarding an NDR as an attachment.
		// The returned text is already bounded (maxReturnedBytes): it is
		// read whole.
		inner := parseStream(strings.NewReader(m.returned[0]), source, Options{MaxInput: int64(len(m.returned[0])) + 1}, without, depth+1)
		if inner.Kind == KindBounce || inner.Kind == KindFeedback {
			if m.returnedCut > 0 {
				inner.Truncated = append(inner.Truncated, Truncation{Limit: "returned_message", Max: maxReturnedBytes, UnreadBytes: m.returnedCut})
			}
			res = inner
		}
	}
	if m.partsCut != "" {
		// The MIME walk stopped at a structure limit: count what it left,
		// less what the MIME reader had read ahead (so at least).
		n, _ := drain(br, maxDrain)
		max := int64(maxParts)
		if m.partsCut == "mime_depth" {
			max = maxDepth
		}
		res.Truncated = append(res.Truncated, Truncation{Limit: m.partsCut, Max: max, UnreadBytes: n, AtLeast: true})
	}
	return res
}

// drain reads r to its end, or to max bytes, and says how much it read and
// whether more followed.
func drain(r io.Reader, max int64) (int64, bool) {
	n, _ := io.Copy(io.Discard, io.LimitReader(r, max))
	if n < max {
		return n, false
	}
	var one [1]byte
	k, _ := io.ReadFull(r, one[:])
	return n, k > 0
}

// replyInput explains an input that is one SMTP reply, as pasted from a
// log or an NDR on standard input: the same answer as the reply given as an
// argument (ParseCode). A multi-line reply counts when every line carries
// the same reply code.
func replyInput(text, source string) (Result, bool) {
	text = strings.TrimSpace(text)
	if len(text) > maxReplyInput {
		return Result{}, false
	}
	first, rest, multi := strings.Cut(text, "\n")
	if multi {
		code := strings.TrimPrefix(strings.TrimSpace(first), "#")
		if len(code) < 4 {
			return Result{}, false
		}
		for _, l := range strings.Split(rest, "\n") {
			l = strings.TrimPrefix(strings.TrimSpace(l), "#")
			if len(l) < 3 || l[:3] != code[:3] || (len(l) > 3 && l[3] != ' ' && l[3] != '-') {
				return Result{}, false
			}
		}
	}
	res, ok := ParseCode(text)
	if !ok {
		return Result{}, false
	}
	res.Source = source
	return res, true
}

// maxReplyInput bounds the input read as one pasted reply; ParseCode takes
// no more.
const maxReplyInput = 4096

// inputReader reads at most left bytes of r and turns CRLF and lone CR line
// ends into LF, so every later step sees one convention.
type inputReader struct {
	r    io.Reader
	left int64
	// cr is set when the last byte read was a CR, whose LF (if the next
	// read starts with one) belongs to the same line end.
	cr bool
	// keepEnds leaves line ends alone, for a reader that decodes first.
	keepEnds bool
}

func (in *inputReader) Read(p []byte) (int, error) {
	for {
		if in.left <= 0 {
			return 0, io.EOF
		}
		if int64(len(p)) > in.left {
			p = p[:in.left]
		}
		n, err := in.r.Read(p)
		in.left -= int64(n)
		if in.keepEnds {
			return n, err
		}
		w := toLF(p[:n], &in.cr)
		if w > 0 || err != nil {
			return w, err
		}
	}
}

// toLF rewrites CRLF and CR line ends in b to LF in place and returns the
// new length; cr carries a trailing CR across calls.
func toLF(b []byte, cr *bool) int {
	if !*cr && bytes.IndexByte(b, '\r') < 0 {
		return len(b)
	}
	w := 0
	for _, c := range b {
		if *cr {
			*cr = false
			if c == '\n' {
				continue
			}
		}
		if c == '\r' {
			*cr = true
			c = '\n'
		}
		b[w] = c
		w++
	}
	return w
}

// lfReader turns CRLF and CR line ends into LF, for decoded MIME parts.
type lfReader struct {
	r  io.Reader
	cr bool
}

func (l *lfReader) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		w := toLF(p[:n], &l.cr)
		if w > 0 || err != nil {
			return w, err
		}
	}
}

// readText reads r to its end as text with LF line ends. With the size
// known (hint) the text is read into one allocation; otherwise it is read
// in chunks and joined once, so a large text costs at most twice its size
// instead of the copies of a growing buffer, and a small one (most parts)
// one pooled read and one copy.
func readText(r io.Reader, hint int64) (string, error) {
	lf := &lfReader{r: r}
	pb := chunks.Get().(*[]byte)
	defer chunks.Put(pb)
	if hint > 0 {
		var b strings.Builder
		b.Grow(int(min(hint, DefaultMaxInput)))
		_, err := io.CopyBuffer(&b, lf, *pb)
		return b.String(), err
	}
	n, err := io.ReadFull(lf, *pb)
	if err != nil {
		return string((*pb)[:n]), textErr(err)
	}
	parts := [][]byte{bytes.Clone(*pb)}
	total := n
	for size := 2 * len(*pb); err == nil; size = min(2*size, 4<<20) {
		buf := make([]byte, size)
		n, err = io.ReadFull(lf, buf)
		parts = append(parts, buf[:n])
		total += n
	}
	var b strings.Builder
	b.Grow(total)
	for _, p := range parts {
		b.Write(p)
	}
	return b.String(), textErr(err)
}

// textErr drops the end-of-input errors of io.ReadFull.
func textErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

// chunks holds the buffers readText reads the start of a text into.
var chunks = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}
