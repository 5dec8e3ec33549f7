package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
)

// Every file a command reads goes through these, so each error names the
// flag and the file ("--file domains.txt: no such file or directory") and
// "-" means standard input everywhere.

// inputName is how errors and reports name path given with flag ("" for a
// positional argument).
func inputName(flag, path string) string {
	if path == "-" {
		path = "stdin"
	}
	if flag == "" {
		return path
	}
	return flag + " " + path
}

// openInput opens path, or returns standard input for "-". The caller
// calls the returned close function when done.
func openInput(e *Env, flag, path string) (io.Reader, func(), error) {
	if path == "-" {
		return e.IO.In, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, Inputf("%s: %v", inputName(flag, path), unwrapPathError(err))
	}
	return f, func() { f.Close() }, nil
}

// readInput reads all of path, refusing more than limit bytes so a wrong
// file (a disk image, /dev/zero) cannot exhaust memory.
func readInput(e *Env, flag, path string, limit int64) ([]byte, error) {
	r, done, err := openInput(e, flag, path)
	if err != nil {
		return nil, err
	}
	defer done()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, Inputf("%s: %v", inputName(flag, path), unwrapPathError(err))
	}
	if int64(len(data)) > limit {
		return nil, Inputf("%s: larger than %s", inputName(flag, path), sizeText(limit))
	}
	return data, nil
}

func sizeText(n int64) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// maxCAFile bounds one --ca-file; a bundle of every public root is ~220 KiB.
const maxCAFile = 4 << 20

// certPool loads PEM CA certificates from files into one pool; nil when
// none are given, so callers fall back to the system roots.
func certPool(e *Env, flag string, files ...string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for _, name := range files {
		pem, err := readInput(e, flag, name, maxCAFile)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, Inputf("%s: no PEM certificate found", inputName(flag, name))
		}
	}
	return pool, nil
}

// unwrapPathError drops the "open PATH:" prefix of a file error, for
// messages that name the file themselves.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
