# listen-fd.pl FD ADDRESS PORT [FD ADDRESS PORT]... COMMAND...
# Opens sockets in the network namespace it runs in, puts each on its descriptor FD (without
# close-on-exec) and execs COMMAND, which inherits them. PORT is a TCP port to listen on, or
# udp:PORT for a UDP socket bound there (udp:0: any port, for sending). A socket stays in the
# namespace it was created in, so a chain of `ip netns exec NS perl listen-fd.pl ...` steps
# ending in one server gives that one process sockets inside every namespace of the chain.
# Perl because perl-base is Essential on Debian: nothing to install, and it is gone once it
# has exec'd (the kubelet stand-in, lab/emulate/kubelet.ts, is what keeps running).
use strict;
use warnings;
use Socket qw(PF_INET SOCK_STREAM SOCK_DGRAM SOL_SOCKET SO_REUSEADDR SOMAXCONN inet_aton pack_sockaddr_in);
use Fcntl qw(F_SETFD);

my @specs;
while (@ARGV >= 3 && $ARGV[0] =~ /^\d+$/) { push @specs, [splice(@ARGV, 0, 3)]; }
my @command = @ARGV;
die "usage: listen-fd.pl FD ADDRESS PORT [FD ADDRESS PORT]... COMMAND...\n" unless @specs && @command;
my @keep; # the sockets must outlive the loop until exec
for my $spec (@specs) {
  my ($fd, $address, $port) = @$spec;
  my $udp = $port =~ s/^udp://;
  die "listen-fd: bad descriptor $fd or port $port\n" unless $fd > 2 && $port =~ /^\d+$/;
  my $ip = inet_aton($address) or die "listen-fd: bad address $address\n";
  socket(my $s, PF_INET, $udp ? SOCK_DGRAM : SOCK_STREAM, 0) or die "listen-fd: socket: $!\n";
  setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or die "listen-fd: SO_REUSEADDR: $!\n";
  bind($s, pack_sockaddr_in($port, $ip)) or die "listen-fd: bind $address:$port: $!\n";
  $udp or listen($s, SOMAXCONN) or die "listen-fd: listen $address:$port: $!\n";
  if (fileno($s) == $fd) {
    fcntl($s, F_SETFD, 0) or die "listen-fd: fcntl: $!\n";
  } else {
    # socket() takes the lowest free descriptor, which is FD along a chain; POSIX costs ~10 ms
    # a step, so it is loaded only when that did not hold. dup2's copy has no close-on-exec.
    require POSIX;
    defined POSIX::dup2(fileno($s), $fd) or die "listen-fd: dup2 to $fd: $!\n";
  }
  push @keep, $s;
}
exec { $command[0] } @command or die "listen-fd: exec $command[0]: $!\n";
