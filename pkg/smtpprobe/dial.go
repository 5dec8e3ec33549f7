package smtpprobe

import (
	"context"
	"net"
)

// ackDialer dials TCP connections that acknowledge received data at once
// (see quickAck).
type ackDialer struct{ d net.Dialer }

func (a *ackDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := a.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return ackConn{c}, nil
}

type ackConn struct{ net.Conn }

func (c ackConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		quickAck(c.Conn)
	}
	return n, err
}
