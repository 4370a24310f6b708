# listen-fd.pl FD ADDRESS PORT COMMAND...
# Opens a listening TCP socket on ADDRESS:PORT in the network namespace it runs in, puts it on
# descriptor FD (without close-on-exec) and execs COMMAND, which inherits it. A socket stays in
# the namespace it was created in, so a chain of `ip netns exec NS perl listen-fd.pl ...` steps
# ending in one server gives that one process a listener inside every namespace of the chain.
# Perl because perl-base is Essential on Debian: nothing to install, and it is gone once it
# has exec'd (the kubelet stand-in, lab/emulate/kubelet.ts, is what keeps running).
use strict;
use warnings;
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_REUSEADDR SOMAXCONN inet_aton pack_sockaddr_in);
use Fcntl qw(F_SETFD);

my ($fd, $address, $port, @command) = @ARGV;
die "usage: listen-fd.pl FD ADDRESS PORT COMMAND...\n"
  unless defined $port && $fd =~ /^\d+$/ && $fd > 2 && $port =~ /^\d+$/ && @command;
my $ip = inet_aton($address) or die "listen-fd: bad address $address\n";
socket(my $s, PF_INET, SOCK_STREAM, 0) or die "listen-fd: socket: $!\n";
setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or die "listen-fd: SO_REUSEADDR: $!\n";
bind($s, pack_sockaddr_in($port, $ip)) or die "listen-fd: bind $address:$port: $!\n";
listen($s, SOMAXCONN) or die "listen-fd: listen $address:$port: $!\n";
if (fileno($s) == $fd) {
  fcntl($s, F_SETFD, 0) or die "listen-fd: fcntl: $!\n";
} else {
  # socket() takes the lowest free descriptor, which is FD along a chain; POSIX costs ~10 ms
  # a step, so it is loaded only when that did not hold. dup2's copy has no close-on-exec.
  require POSIX;
  defined POSIX::dup2(fileno($s), $fd) or die "listen-fd: dup2 to $fd: $!\n";
}
exec { $command[0] } @command or die "listen-fd: exec $command[0]: $!\n";
