#!/usr/bin/perl
# freeport.pl N - print N distinct 127.0.0.1 ports that are free for both TCP
# and UDP right now, one per line.
#
# The kernel picks each port (bind to port 0), so we never guess at ranges.
# Every socket stays open until all N are chosen: that is what makes the ports
# distinct. A DNS peer listens on both protocols, so a port only counts when the
# UDP side can be bound too. The ports are released on exit; a server that
# starts a moment later can in rare cases lose one to another program, which
# up.sh reports as a peer that did not come up.
use strict;
use warnings;
use Socket qw(PF_INET SOCK_STREAM SOCK_DGRAM INADDR_LOOPBACK pack_sockaddr_in unpack_sockaddr_in);

my $want = shift // 1;
die "freeport.pl: count must be a number from 1 to 64, got '$want'\n"
  unless $want =~ /\A[0-9]+\z/ && $want >= 1 && $want <= 64;

my (@held, @ports);
for (my $tries = 0; @ports < $want; $tries++) {
    die "freeport.pl: no free loopback port pair after $tries tries\n" if $tries >= 200;
    socket(my $tcp, PF_INET, SOCK_STREAM, 0) or die "freeport.pl: tcp socket: $!\n";
    bind($tcp, pack_sockaddr_in(0, INADDR_LOOPBACK)) or die "freeport.pl: tcp bind: $!\n";
    my ($port) = unpack_sockaddr_in(getsockname($tcp));
    socket(my $udp, PF_INET, SOCK_DGRAM, 0) or die "freeport.pl: udp socket: $!\n";
    # A taken UDP port only disqualifies this candidate; keep the TCP socket so
    # the kernel does not hand the same number out again.
    push @held, $tcp;
    next unless bind($udp, pack_sockaddr_in($port, INADDR_LOOPBACK));
    push @held, $udp;
    push @ports, $port;
}
print "$_\n" for @ports;
