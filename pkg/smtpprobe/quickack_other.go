//go:build !linux

package smtpprobe

import "net"

// quickAck is Linux-only (quickack_linux.go); elsewhere ACKs keep the
// system's timing.
func quickAck(net.Conn) {}
