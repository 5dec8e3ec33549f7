#!/usr/bin/perl
# freeaddr.pl PORT - print a 127.0.0.0/8 address on which PORT is free for
# both TCP and UDP right now.
#
# Some clients cannot be told a DNS port: the C library's resolver, which
# posttls-finger uses, reads only addresses from resolv.conf and always asks
# port 53. up.sh lets unbound answer there too, on an address of its own,
# so that it never meets a resolver the machine already runs (such as
# 127.0.0.53) or another test run's peers. The candidates are random and
# outside 127.0.0.0/24, where the built-in lab's hosts live.
use strict;
use warnings;
use Socket qw(PF_INET SOCK_STREAM SOCK_DGRAM SOL_SOCKET SO_REUSEADDR inet_aton inet_ntoa pack_sockaddr_in);

my $port = shift // '';
die "freeaddr.pl: usage: freeaddr.pl PORT (1-65535)\n"
  unless $port =~ /\A[0-9]+\z/ && $port >= 1 && $port <= 65535;

for my $try (1 .. 200) {
    my $addr = join '.', 127, 1 + int(rand(254)), int(rand(256)), 1 + int(rand(254));
    my $sin = pack_sockaddr_in($port, inet_aton($addr));
    socket(my $tcp, PF_INET, SOCK_STREAM, 0) or die "freeaddr.pl: tcp socket: $!\n";
    setsockopt($tcp, SOL_SOCKET, SO_REUSEADDR, 1) or die "freeaddr.pl: SO_REUSEADDR: $!\n";
    next unless bind($tcp, $sin);
    socket(my $udp, PF_INET, SOCK_DGRAM, 0) or die "freeaddr.pl: udp socket: $!\n";
    next unless bind($udp, $sin);
    print "$addr\n";
    exit 0;
}
die "freeaddr.pl: no loopback address with port $port free after 200 tries\n";
