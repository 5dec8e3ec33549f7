package cli

import (
	"bytes"
	"sync"
)

// LockedBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it; the package's own tests and cli_test's use it.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
