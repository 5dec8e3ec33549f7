//go:build unix

package cli

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSIGHUP: the running command reads --config again on SIGHUP,
// keeps serving the old modules when the new file is bad, and stops on
// SIGTERM.
func TestServeSIGHUP(t *testing.T) {
	path := writeFile(t, "serve.yaml", "modules:\n  first:\n    command: mx\n")
	var errOut LockedBuffer
	streams := &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	exit := make(chan int, 1)
	go func() {
		exit <- Run(streams, []string{"--dns", "127.0.0.1:1", "serve", "--config", path, "--listen", "127.0.0.1:0"})
	}()

	// The signal handlers are in place before the server accepts.
	addrRE := regexp.MustCompile(`on http://(127\.0\.0\.1:\d+)/`)
	var base string
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("no %s within 10s; stderr:\n%s", what, errOut.String())
			}
		}
	}
	waitFor("listening address", func() bool {
		m := addrRE.FindStringSubmatch(errOut.String())
		if m != nil {
			base = "http://" + m[1]
		}
		return m != nil
	})
	// The status page lists the modules served.
	modules := func() string {
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if !strings.Contains(modules(), "<td>first</td>") {
		t.Fatalf("at start the module first is not served")
	}

	rewrite := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rewrite("modules:\n  first:\n    command: nope\n")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("reload failure", func() bool { return strings.Contains(errOut.String(), "reload failed") })
	if !strings.Contains(errOut.String(), "serve.yaml:3") || !strings.Contains(modules(), "<td>first</td>") {
		t.Errorf("after a bad reload: stderr %q", errOut.String())
	}

	rewrite("modules:\n  second:\n    command: mx\n")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("reload", func() bool { return strings.Contains(errOut.String(), "configuration reloaded") })
	if page := modules(); !strings.Contains(page, "<td>second</td>") || strings.Contains(page, "<td>first</td>") {
		t.Errorf("after the reload the modules are\n%s", page)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}
