package cli_test

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/internal/docexample"
	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/report"
)

var update = flag.Bool("update", false, "rewrite the examples in docs/*.md to what the program prints")

// docPages lists every page in docs/ with why it has no example to run,
// or "" when it has at least one. A new page must be added here, so no page
// goes unchecked by accident.
var docPages = map[string]string{
	"check.md":           "",
	"config.md":          "",
	"dnsbl.md":           "",
	"exit-codes.md":      "",
	"getting-started.md": "",
	"json.md":            "",
	"lint.md":            "",
	"mx.md":              "",
	"ndr.md":             "",
	"performance.md":     "",
	"prometheus.md":      "configuration for Prometheus and Grafana; serve runs until stopped",
	"security-checks.md": "",
	"security.md":        "",
	"serve.md":           "serve runs until stopped and is probed over HTTP; its probes are tested in pkg/serve",
	"smtp.md":            "",
	"status-codes.md":    "",
	"troubleshooting.md": "",
}

// The lab endpoints the docs show: a reader who starts the lab with
// `mailflow lab --dns-addr 127.0.0.1:5300 --smtp-port 2525 --mta-sts-port
// 8443 --ca-out ca.pem` can paste every example as it is. The test's lab
// listens elsewhere, so that it never meets a lab a developer runs; the
// ports are mapped both ways.
const (
	docDNSPort    = 5300
	docSMTPPort   = 2525
	docMTASTSPort = 8443
	// docVersion stands for the version of the binary in JSON and Markdown.
	docVersion = "v1.2.3"
	// docHome is the home directory the docs show, where a configuration
	// file would be looked for.
	docHome = "/home/me"
	// sourceDateEpoch pins the time stamp of Markdown reports.
	sourceDateEpoch = "1795424400"
)

// TestDocs runs every example in docs/*.md against one built-in lab and
// compares what each command prints with what the page shows. With
// -update it rewrites the pages' examples (and copies of input files) to
// what the program does now; review the diff before committing it.
func TestDocs(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pages := loadPages(t, root)

	work := t.TempDir()
	l := startDocLab(t, work)
	ports := portMap{docDNSPort: int(netip.MustParseAddrPort(l.DNSAddr).Port()), docSMTPPort: l.SMTPPort, docMTASTSPort: l.MTASTSPort}
	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	copyExamples(t, filepath.Join(root, "docs", "examples"), work, ports)
	checkLabCopies(t, root, work, l)
	toDoc := strings.NewReplacer(
		`"version": "`+cli.Version()+`"`, `"version": "`+docVersion+`"`,
		`"version":"`+cli.Version()+`"`, `"version":"`+docVersion+`"`,
		"_mailflow "+cli.Version()+", ", "_mailflow "+docVersion+", ",
		home, docHome,
	)
	t.Chdir(work)

	var runs []*docRun
	for _, p := range pages {
		for _, r := range p.Runs() {
			runs = append(runs, &docRun{page: p, run: r})
		}
	}
	start := time.Now()
	runAll(runs, func(dr *docRun) {
		env := map[string]string{
			"TERM":              "dumb",
			"HOME":              home,
			"SOURCE_DATE_EPOCH": sourceDateEpoch,
		}
		for _, kv := range dr.run.Env {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = ports.toActual(v)
		}
		dr.out, dr.exit = runMailflow(ports.args(dr.run.Args), dr.run.Stdin, env)
		for i, line := range dr.out {
			dr.out[i] = toDoc.Replace(ports.toDoc(line))
		}
	})
	t.Logf("%d examples in %v", len(runs), time.Since(start).Round(time.Millisecond))

	byPage := map[*docexample.Page][]*docRun{}
	for _, dr := range runs {
		byPage[dr.page] = append(byPage[dr.page], dr)
	}
	for _, p := range pages {
		t.Run(filepath.Base(p.Path), func(t *testing.T) {
			changed := checkFiles(t, root, p)
			if checkExamples(t, p, byPage[p]) {
				changed = true
			}
			if changed && *update {
				if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(p.Path)), p.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// loadPages parses docs/*.md and checks that docPages knows each of them
// and that each either has an example or says why not.
func loadPages(t *testing.T, root string) []*docexample.Page {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var pages []*docexample.Page
	seen := map[string]bool{}
	for _, path := range paths {
		name := filepath.Base(path)
		seen[name] = true
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := docexample.Parse("docs/"+name, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		why, known := docPages[name]
		switch n := len(p.Runs()); {
		case !known:
			t.Errorf("docs/%s is not in docPages: add it, with why it has no example if it has none", name)
		case why == "" && n == 0:
			t.Errorf("docs/%s has no example to run: add one, or say in docPages why it cannot have one", name)
		case why != "" && n > 0:
			t.Errorf("docs/%s has %d examples now: remove its reason from docPages", name, n)
		}
		pages = append(pages, p)
	}
	for name := range docPages {
		if !seen[name] {
			t.Errorf("docPages lists docs/%s, which does not exist", name)
		}
	}
	return pages
}

// checkFiles compares the blocks that show an input file with the file,
// and with -update copies the file into them. It reports whether the page
// changed.
func checkFiles(t *testing.T, root string, p *docexample.Page) bool {
	changed := false
	for _, b := range p.Blocks {
		if b.Kind != docexample.File {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(b.File)))
		if err != nil {
			t.Errorf("%s:%d: %v", p.Path, b.Open, err)
			continue
		}
		want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if slices.Equal(b.Content(p), want) {
			continue
		}
		if *update {
			p.SetContent(b, want)
			changed = true
			continue
		}
		t.Errorf("%s:%d: the block does not show %s as it is (go test ./pkg/cli -run TestDocs -update copies it):\n%s",
			p.Path, b.Open+1, b.File, lineDiff(b.Content(p), want))
	}
	return changed
}

// checkExamples compares each command's output and exit code with the
// page and, with -update, rewrites the blocks whose commands disagree. It
// reports whether the page changed.
func checkExamples(t *testing.T, p *docexample.Page, runs []*docRun) bool {
	done := map[*docexample.Run]*docRun{}
	for _, dr := range runs {
		done[dr.run] = dr
	}
	changed := false
	for _, b := range p.Blocks {
		if b.Kind != docexample.Example {
			continue
		}
		exits := make([]int, len(b.Runs))
		wants := make([][]string, len(b.Runs))
		ok := true
		for i, r := range b.Runs {
			dr := done[r]
			wants[i], exits[i] = r.Want, r.Exit
			want := r.Exit
			if want < 0 {
				want = docexample.StatedExit(r.Want)
			}
			if docexample.Match(r.Want, dr.out) && dr.exit == want {
				continue
			}
			if *update && dr.exit == report.ExitUsage && want != report.ExitUsage {
				// A renamed flag or a missing input file is the example's
				// fault, not new output: never write the error into a page.
				t.Errorf("%s:%d: the command now fails with exit 2, so -update leaves it alone; fix the command:\n%s",
					p.Path, r.Line, strings.Join(dr.out, "\n"))
				continue
			}
			ok = false
			wants[i] = docexample.Update(r.Want, dr.out)
			exits[i] = -1
			if dr.exit != docexample.StatedExit(wants[i]) {
				exits[i] = dr.exit
			}
		}
		if ok {
			continue
		}
		content := docexample.Render(b.Runs, exits, wants)
		if *update {
			p.SetContent(b, content)
			changed = true
			continue
		}
		t.Errorf("%s:%d: the example disagrees with the program (go test ./pkg/cli -run TestDocs -update rewrites it):\n%s",
			p.Path, b.Open+1, lineDiff(b.Content(p), content))
	}
	return changed
}

func lineDiff(old, new []string) string {
	join := func(l []string) []byte { return []byte(strings.Join(l, "\n") + "\n") }
	return string(diff.Diff("docs", join(old), "program", join(new)))
}

// docRun is one command of an example and what it did.
type docRun struct {
	page *docexample.Page
	run  *docexample.Run
	out  []string
	exit int
}

// runAll runs the examples a few at a time: most wait on the lab's
// servers, not on the CPU.
func runAll(runs []*docRun, do func(*docRun)) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, dr := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			do(dr)
		}()
	}
	wg.Wait()
}

// runMailflow runs mailflow in this process as a terminal user would see
// it, minus the terminal: standard output and standard error go to one
// buffer in the order they are written, color is off.
func runMailflow(args []string, stdin string, env map[string]string) ([]string, int) {
	var out cli.LockedBuffer
	var in io.Reader = strings.NewReader("")
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return []string{fmt.Sprintf("test: stdin: %v", err)}, -1
		}
		defer f.Close()
		in = f
	}
	code := cli.Run(&cli.IOStreams{In: in, Out: &out, ErrOut: &out, Getenv: func(k string) string { return env[k] }}, args)
	text := strings.TrimSuffix(out.String(), "\n")
	if text == "" {
		return nil, code
	}
	return strings.Split(text, "\n"), code
}

// startDocLab starts the lab on free four-digit ports, so that the ports
// it prints take as many columns as the docs' ones and tables keep their
// shape when mapped back. Its CA goes to dir as ca.pem, where the examples
// find it under the name the docs use.
func startDocLab(t *testing.T, dir string) *lab.Lab {
	t.Helper()
	var last error
	for range 30 {
		p := rand.Perm(9000 - 3000)
		dns, smtp, sts := 3000+p[0], 3000+p[1], 3000+p[2]
		if slices.ContainsFunc([]int{dns, smtp, sts}, func(n int) bool { return n == docDNSPort || n == docSMTPPort || n == docMTASTSPort }) {
			continue
		}
		l, err := lab.Start(lab.Options{DNSAddr: "127.0.0.1:" + strconv.Itoa(dns), SMTPPort: smtp, MTASTSPort: sts, Dir: dir})
		if err == nil {
			t.Cleanup(func() { l.Close() })
			return l
		}
		last = err
	}
	t.Fatalf("lab: %v", last)
	return nil
}

// copyExamples copies docs/examples into the working directory of the
// examples, with the docs' lab ports in the files (a check spec names an
// SMTP port) replaced by the test lab's.
func copyExamples(t *testing.T, from, to string, ports portMap) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Fatalf("docs/examples/%s: the examples directory is flat", e.Name())
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), []byte(ports.toActual(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkLabCopies checks that the docs' copies of the lab's own inputs are
// what `mailflow demo` runs, as the pages say.
func checkLabCopies(t *testing.T, root, work string, l *lab.Lab) {
	t.Helper()
	export, err := os.ReadFile(filepath.Join(root, "pkg", "lab", "exports", "lab-export.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ copy, want string }{
		{"mailflow.yaml", l.CheckSpec()},
		{"lab-export.txt", string(export)},
	} {
		got, err := os.ReadFile(filepath.Join(work, c.copy))
		if err != nil {
			t.Errorf("docs/examples/%s: %v", c.copy, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("docs/examples/%s is not the lab's (mailflow demo runs the lab's):\n%s", c.copy,
				lineDiff(strings.Split(string(got), "\n"), strings.Split(c.want, "\n")))
		}
	}
}

// portMap maps the lab ports the docs show to the test lab's.
type portMap map[int]int

// portRE finds a port number where mailflow writes one: after a host and
// a colon (127.0.0.11:2525), in a TLSA name (_2525._tcp), after a port
// flag or word (--port 2525, SMTP port 2525) and as a JSON "port".
var portRE = regexp.MustCompile(`(:|\b_|port[ =]|"port": ?)(\d{4})(\D|$)`)

func (m portMap) replace(s string, from func(int) (int, bool)) string {
	return portRE.ReplaceAllStringFunc(s, func(match string) string {
		sub := portRE.FindStringSubmatch(match)
		n, _ := strconv.Atoi(sub[2])
		if to, ok := from(n); ok {
			return sub[1] + strconv.Itoa(to) + sub[3]
		}
		return match
	})
}

func (m portMap) toActual(s string) string {
	return m.replace(s, func(n int) (int, bool) { to, ok := m[n]; return to, ok })
}

func (m portMap) toDoc(s string) string {
	return m.replace(s, func(n int) (int, bool) {
		for doc, actual := range m {
			if actual == n {
				return doc, true
			}
		}
		return 0, false
	})
}

// args maps the ports in a command's arguments, where a port flag and
// its value are separate words.
func (m portMap) args(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if n, err := strconv.Atoi(a); err == nil && i > 0 && strings.HasSuffix(args[i-1], "-port") {
			if to, ok := m[n]; ok {
				out[i] = strconv.Itoa(to)
				continue
			}
		}
		out[i] = m.toActual(a)
	}
	return out
}
