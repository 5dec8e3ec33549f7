// Package docexample reads the examples in mailflow's Markdown pages and
// compares the output they show with the output the program prints, so
// that the documentation cannot drift from the program.
//
// Every fenced block of a page is one of three kinds:
//
//   - an example: its first line is a shell prompt, "$ mailflow ...". Each
//     "$ " line is a command (a trailing backslash continues it on the
//     next line); the lines up to the next "$ " line are what it prints, on
//     standard output and standard error together, as a terminal shows
//     them. A line holding only "..." stands for one or more lines left
//     out, and "..." within a line for text left out of a long line. A
//     command that exits with another code than its output states
//     ("(exit N, ...)" or "exit_code": N; 0 when it states none) ends in a
//     shell comment "# exit N".
//   - a copy of an input file of the examples, marked by an HTML comment
//     on the line before the fence: <!-- file: docs/examples/NAME -->.
//   - a block that is not run, marked <!-- not run: REASON -->: real-world
//     domains, configuration of other programs, pipelines into other tools.
//
// A block that is none of these is an error, so every block in the docs is
// either checked or says why not. Output is compared after Normalize, which
// blanks out only what differs from run to run. The package parses,
// matches and rewrites; running the commands against the built-in lab is
// the job of TestDocs in pkg/cli.
package docexample

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what a fenced block is.
type Kind int

const (
	// Example is a block of commands with their output.
	Example Kind = iota
	// File shows an input file of the examples verbatim.
	File
	// NotRun is illustrative and says why it is not run.
	NotRun
)

// Page is a Markdown file split into lines, with its fenced blocks.
type Page struct {
	Path   string
	Lines  []string
	Blocks []*Block
	// finalNewline records whether the file ended in a newline, so that a
	// rewrite changes nothing but the blocks.
	finalNewline bool
}

// Block is one fenced block.
type Block struct {
	Kind Kind
	// Open is the index in Page.Lines of the opening fence, Close that of
	// the closing one; the content lies between.
	Open, Close int
	// Reason says why a NotRun block is not run; File names the file a
	// File block shows, relative to the repository root.
	Reason, File string
	// Runs are an Example's commands, in order.
	Runs []*Run
}

// Content returns the lines between the fences.
func (b *Block) Content(p *Page) []string { return p.Lines[b.Open+1 : b.Close] }

// Run is one command of an example and the output the page shows for it.
type Run struct {
	// Line is the 1-based line of the "$ " prompt in the page.
	Line int
	// Source holds the command as written, prompt and continuation lines
	// included.
	Source []string
	Command
	// Want is the output the page shows.
	Want []string
}

// Command is a parsed "$ " line: a mailflow command with optional
// environment assignments, standard input from a file and the exit code
// it states.
type Command struct {
	// Env holds NAME=value assignments before the command.
	Env []string
	// Args are the arguments after "mailflow".
	Args []string
	// Stdin is the file after "<", if any.
	Stdin string
	// Exit is the code of a trailing "# exit N" comment, -1 without one.
	Exit int
}

var (
	fenceRE     = regexp.MustCompile("^(`{3,})(.*)$")
	notRunRE    = regexp.MustCompile(`^<!--\s*not run:\s*(.*?)\s*-->\s*$`)
	fileRE      = regexp.MustCompile(`^<!--\s*file:\s*(\S+)\s*-->\s*$`)
	directiveRE = regexp.MustCompile(`^<!--\s*(not run|file)\b`)
)

// Prompt starts every command line of an example.
const Prompt = "$ "

// Parse splits a Markdown page into lines and classifies its fenced
// blocks. The error lists every malformed block, each as PATH:LINE.
func Parse(path string, data []byte) (*Page, error) {
	text := string(data)
	p := &Page{Path: path, finalNewline: strings.HasSuffix(text, "\n")}
	text = strings.TrimSuffix(text, "\n")
	if text != "" {
		p.Lines = strings.Split(text, "\n")
	}
	var errs []string
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s:%d: %s", path, line+1, fmt.Sprintf(format, args...)))
	}
	for i := 0; i < len(p.Lines); i++ {
		m := fenceRE.FindStringSubmatch(p.Lines[i])
		if m == nil {
			continue
		}
		open, fence := i, m[1]
		closing := -1
		for j := i + 1; j < len(p.Lines); j++ {
			if l := strings.TrimRight(p.Lines[j], " \t"); strings.HasPrefix(l, fence) && strings.Trim(l, "`") == "" {
				closing = j
				break
			}
		}
		if closing < 0 {
			fail(open, "fenced block is never closed")
			break
		}
		i = closing
		b := &Block{Open: open, Close: closing}
		directive := ""
		if open > 0 {
			directive = strings.TrimSpace(p.Lines[open-1])
		}
		content := p.Lines[open+1 : closing]
		switch {
		case notRunRE.MatchString(directive):
			b.Kind, b.Reason = NotRun, notRunRE.FindStringSubmatch(directive)[1]
			if b.Reason == "" {
				fail(open-1, "<!-- not run: --> must say why")
				continue
			}
		case fileRE.MatchString(directive):
			b.Kind, b.File = File, fileRE.FindStringSubmatch(directive)[1]
		case directiveRE.MatchString(directive):
			fail(open-1, "malformed directive %q: want <!-- not run: REASON --> or <!-- file: PATH -->", directive)
			continue
		case len(content) > 0 && strings.HasPrefix(content[0], Prompt):
			b.Kind = Example
			runs, err := parseRuns(content, open+2)
			if err != nil {
				fail(open, "%v", err)
				continue
			}
			b.Runs = runs
		default:
			fail(open, "fenced block is no example (first line %q) and not marked <!-- not run: REASON --> or <!-- file: PATH --> on the line before", Prompt+"mailflow ...")
			continue
		}
		p.Blocks = append(p.Blocks, b)
	}
	if len(errs) > 0 {
		return p, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return p, nil
}

// parseRuns splits an example's lines into commands and their output;
// first is the 1-based page line of lines[0].
func parseRuns(lines []string, first int) ([]*Run, error) {
	var runs []*Run
	for i := 0; i < len(lines); {
		r := &Run{Line: first + i}
		src := []string{lines[i]}
		for strings.HasSuffix(src[len(src)-1], `\`) && i+len(src) < len(lines) {
			src = append(src, lines[i+len(src)])
		}
		i += len(src)
		r.Source = src
		cmd, err := ParseCommand(strings.TrimPrefix(strings.Join(src, "\n"), Prompt))
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", r.Line, err)
		}
		r.Command = cmd
		for i < len(lines) && !strings.HasPrefix(lines[i], Prompt) {
			r.Want = append(r.Want, lines[i])
			i++
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// Runs returns every command of every example of the page.
func (p *Page) Runs() []*Run {
	var out []*Run
	for _, b := range p.Blocks {
		out = append(out, b.Runs...)
	}
	return out
}

// Bytes returns the page as a file.
func (p *Page) Bytes() []byte {
	s := strings.Join(p.Lines, "\n")
	if p.finalNewline {
		s += "\n"
	}
	return []byte(s)
}

// SetContent replaces a block's content with lines, shifting the blocks
// after it.
func (p *Page) SetContent(b *Block, lines []string) {
	delta := len(lines) - (b.Close - b.Open - 1)
	rest := append([]string(nil), p.Lines[b.Close:]...)
	p.Lines = append(append(p.Lines[:b.Open+1], lines...), rest...)
	for _, o := range p.Blocks {
		if o.Open > b.Open {
			o.Open += delta
			o.Close += delta
		}
	}
	b.Close += delta
}

// Render returns an example block's content from its runs: each command as
// written, with its "# exit N" comment set to exit (-1 removes it), then
// its output.
func Render(runs []*Run, exits []int, wants [][]string) []string {
	var out []string
	for i, r := range runs {
		out = append(out, SetExitComment(r.Source, exits[i])...)
		out = append(out, wants[i]...)
	}
	return out
}

var exitCommentRE = regexp.MustCompile(`\s+#\s*exit\s+\d+\s*$`)

// SetExitComment returns the command lines with a trailing "# exit N"
// comment for code, or without one when code is negative.
func SetExitComment(src []string, code int) []string {
	out := append([]string(nil), src...)
	last := exitCommentRE.ReplaceAllString(out[len(out)-1], "")
	if code >= 0 {
		last += fmt.Sprintf("   # exit %d", code)
	}
	out[len(out)-1] = last
	return out
}

var statedExitRE = regexp.MustCompile(`\(exit (\d), |"exit_code": ?(\d)\b`)

// StatedExit is the exit code an output states, in its result line
// ("Result: ... (exit 1, problem)") or in JSON ("exit_code": 1), the last
// one when there are several, or 0.
func StatedExit(lines []string) int {
	code := 0
	for _, l := range lines {
		if m := statedExitRE.FindAllStringSubmatch(l, -1); m != nil {
			last := m[len(m)-1]
			code = int((last[1] + last[2])[0] - '0')
		}
	}
	return code
}
