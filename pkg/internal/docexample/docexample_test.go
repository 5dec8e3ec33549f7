package docexample

import (
	"reflect"
	"strings"
	"testing"
)

const page = "# Title\n\n```\n$ mailflow mx good.lab.test\nok\n$ mailflow --dns 127.0.0.1:5300 \\\n    mx loop.lab.test   # exit 1\nResult: 1 error\n```\n\n<!-- not run: a real domain -->\n```sh\nmailflow mx example.org\n```\n\n<!-- file: docs/examples/spec.yaml -->\n```yaml\nversion: 1\n```\n\n````markdown\n$ mailflow ndr 5.1.1 -o markdown\n```\ninner fence\n```\n````\n"

func TestParse(t *testing.T) {
	p, err := Parse("p.md", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Bytes()); got != page {
		t.Errorf("Bytes() changed the page:\n%s", got)
	}
	if len(p.Blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(p.Blocks))
	}
	kinds := []Kind{p.Blocks[0].Kind, p.Blocks[1].Kind, p.Blocks[2].Kind, p.Blocks[3].Kind}
	if !reflect.DeepEqual(kinds, []Kind{Example, NotRun, File, Example}) {
		t.Errorf("kinds %v", kinds)
	}
	if b := p.Blocks[1]; b.Reason != "a real domain" {
		t.Errorf("reason %q", b.Reason)
	}
	if b := p.Blocks[2]; b.File != "docs/examples/spec.yaml" || !reflect.DeepEqual(b.Content(p), []string{"version: 1"}) {
		t.Errorf("file block %q %q", b.File, b.Content(p))
	}
	runs := p.Blocks[0].Runs
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	if r := runs[0]; r.Line != 4 || !reflect.DeepEqual(r.Args, []string{"mx", "good.lab.test"}) || !reflect.DeepEqual(r.Want, []string{"ok"}) || r.Exit != -1 {
		t.Errorf("run 0: %+v", r)
	}
	if r := runs[1]; r.Line != 6 || len(r.Source) != 2 || !reflect.DeepEqual(r.Args, []string{"--dns", "127.0.0.1:5300", "mx", "loop.lab.test"}) || r.Exit != 1 {
		t.Errorf("run 1: %+v", r)
	}
	if r := p.Blocks[3].Runs[0]; !reflect.DeepEqual(r.Want, []string{"```", "inner fence", "```"}) {
		t.Errorf("a longer fence holds a shorter one: %q", r.Want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, page, want string }{
		{"unmarked", "text\n```\nmailflow mx example.org\n```\n", "p.md:2: fenced block is no example"},
		{"reasonless", "<!-- not run: -->\n```\nx\n```\n", "p.md:1: <!-- not run: --> must say why"},
		{"malformed directive", "<!-- not run -->\n```\nx\n```\n", "p.md:1: malformed directive"},
		{"unclosed", "```\n$ mailflow mx a.test\n", "p.md:1: fenced block is never closed"},
		{"other command", "```\n$ dig mx a.test\n```\n", "p.md:1: line 2: an example command runs mailflow"},
		{"pipe", "```\n$ mailflow mx a.test | jq .\n```\n", `p.md:1: line 2: "|": pipes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.md", []byte(tc.page))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Command
		err  string
	}{
		{line: "mailflow mx a.test", want: Command{Args: []string{"mx", "a.test"}, Exit: -1}},
		{line: `MAILFLOW_TIMEOUT=3s mailflow --dns 127.0.0.1:5300 config show`, want: Command{Env: []string{"MAILFLOW_TIMEOUT=3s"}, Args: []string{"--dns", "127.0.0.1:5300", "config", "show"}, Exit: -1}},
		{line: `mailflow ndr '#554 5.4.4 x; y ##'`, want: Command{Args: []string{"ndr", "#554 5.4.4 x; y ##"}, Exit: -1}},
		{line: `mailflow smtp a --body "say \"hi\" \\ now" it\'s`, want: Command{Args: []string{"smtp", "a", "--body", `say "hi" \ now`, "it's"}, Exit: -1}},
		{line: "mailflow ndr - < bounce.eml   # exit 2", want: Command{Args: []string{"ndr", "-"}, Stdin: "bounce.eml", Exit: 2}},
		{line: "mailflow ndr -<bounce.eml", want: Command{Args: []string{"ndr", "-"}, Stdin: "bounce.eml", Exit: -1}},
		{line: "mailflow mx a \\\n    --self b", want: Command{Args: []string{"mx", "a", "--self", "b"}, Exit: -1}},
		{line: "mailflow ndr bounces.mbox#2", want: Command{Args: []string{"ndr", "bounces.mbox#2"}, Exit: -1}},
		{line: "'A=b' mailflow", err: "runs mailflow"},
		{line: "mailflow mx a # note", err: `the only comment`},
		{line: "mailflow mx $domain", err: `"$"`},
		{line: `mailflow mx "$domain"`, err: "inside double quotes"},
		{line: "mailflow lint exo-*.txt", err: "glob"},
		{line: "mailflow lint ~/send.txt", err: "~"},
		{line: "mailflow mx a > out", err: "redirections"},
		{line: "mailflow mx a < in b", err: "must end"},
		{line: "mailflow mx a <", err: "without a file"},
		{line: "mailflow mx 'a", err: "unterminated single"},
		{line: `mailflow mx "a`, err: "unterminated double"},
		{line: `mailflow mx a\`, err: "backslash at the end"},
	} {
		got, err := ParseCommand(tc.line)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.line, got, err, tc.want)
		}
	}
}

func TestSetExitComment(t *testing.T) {
	src := []string{"$ mailflow mx a \\", "    --self b   # exit 1"}
	if got := SetExitComment(src, 3); got[1] != "    --self b   # exit 3" || src[1] != "    --self b   # exit 1" {
		t.Errorf("set: %q", got)
	}
	if got := SetExitComment(src, -1); got[1] != "    --self b" {
		t.Errorf("remove: %q", got)
	}
}

func TestStatedExit(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  int
	}{
		{[]string{"Result: 1 error (exit 1, problem)"}, 1},
		{[]string{"**Result: 1 unchecked (exit 3, incomplete)**"}, 3},
		{[]string{`{"type":"summary","exit_code":2}`}, 2},
		{[]string{`  "exit_code": 1,`}, 1},
		{[]string{"mailflow: bad flag"}, 0},
	} {
		if got := StatedExit(tc.lines); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.lines, got, tc.want)
		}
	}
}

func TestSetContent(t *testing.T) {
	p, err := Parse("p.md", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	p.SetContent(p.Blocks[0], []string{"$ mailflow mx good.lab.test"})
	p.SetContent(p.Blocks[2], []string{"version: 2", "domains: []"})
	want := strings.Replace(strings.Replace(page, "ok\n$ mailflow --dns 127.0.0.1:5300 \\\n    mx loop.lab.test   # exit 1\nResult: 1 error\n", "", 1), "version: 1\n", "version: 2\ndomains: []\n", 1)
	if got := string(p.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if q, err := Parse("p.md", p.Bytes()); err != nil || q.Blocks[3].Open != p.Blocks[3].Open {
		t.Errorf("blocks after the change moved wrongly: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(page))
	f.Add([]byte("```\n$ mailflow a 'b\n```\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := Parse("f.md", data)
		for _, b := range p.Blocks {
			if b.Open >= b.Close || b.Close >= len(p.Lines) {
				t.Fatalf("block %d..%d outside %d lines", b.Open, b.Close, len(p.Lines))
			}
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"mailflow mx a", `A=1 mailflow ndr "x\"y" 'z' < f # exit 1`, "mailflow a \\\n b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err == nil && c.Exit > 9 {
			t.Fatalf("exit %d", c.Exit)
		}
	})
}
