package smtpprobe

import (
	"net"
	"syscall"
)

// quickAck asks Linux to acknowledge what was just read at once. A TLS 1.3
// server sends its session tickets right after the handshake; our EHLO is
// usually on the wire before they arrive, so their ACK is delayed (up to
// 40 ms), and a server that leaves Nagle's algorithm on (Postfix) holds its
// EHLO reply until that ACK comes. Quick ACKs remove the stall.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) { //nolint:errcheck // an optimisation; failure changes nothing else
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
