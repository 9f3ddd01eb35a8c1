#!/usr/bin/perl
# capstan-shim: the process runtime's per-container supervisor (what conmon or containerd-shim are
# to other runtimes). The node-agent writes a container's spec into its directory and starts
#   perl capstan-shim.pl run <container-dir> <arch>
# The shim forks the container's process, isolates it (mount and UTS namespaces, the pod's network
# namespace when it has one, bind mounts, chroot, hostname, cgroups), reports "started <pid>" or "failed <kind> <message>" on stdout,
# then lives on its own: it writes the container's output to the CRI log file and its exit
# status to the "exit" file, so neither depends on the node-agent being up.
#   perl capstan-shim.pl exec <container-dir> <arch> <tty 0|1> <command...>
# runs a command inside a running container (kubectl exec); with a tty it relays a pseudo
# terminal whose input arrives in frames (0 len16 data | 1 cols16 rows16) so the terminal can be
# resized.
#   perl capstan-shim.pl probe <arch> <scratch-dir>
# prints "ok" if this host lets the shim create namespaces and mount what containers need, else
# the reason.
#
# Only builtins and syscall(2): no modules to load but strict.pm. Warnings are on through $^W
# rather than `use warnings`, whose module costs a millisecond of every container start.
use strict;
BEGIN { $^W = 1 }

my %SYSCALLS = (
    'amd64'   => { unshare => 272, mount => 165, sethostname => 170, clock_gettime => 228, setns => 308, setsid => 112 },
    'aarch64' => { unshare => 97,  mount => 40,  sethostname => 161, clock_gettime => 113, setns => 268, setsid => 157 },
);
# Constants as subs with an empty prototype, which perl inlines (`use constant` would load
# constant.pm and warnings.pm: about 2 of the 6.7 ms the shim took to start).
sub CLONE_NEWNS () { 0x00020000 }
sub CLONE_NEWUTS () { 0x04000000 }
sub CLONE_NEWNET () { 0x40000000 }
sub MS_RDONLY () { 1 }
sub MS_NOSUID () { 2 }
sub MS_NODEV () { 4 }
sub MS_NOEXEC () { 8 }
sub MS_REMOUNT () { 32 }
sub MS_BIND () { 4096 }
sub MS_REC () { 16384 }
sub MS_PRIVATE () { 1 << 18 }
sub TIOCSPTLCK () { 0x40045431 }
sub TIOCGPTN () { 0x80045430 }
sub TIOCSWINSZ () { 0x5414 }
sub TIOCSCTTY () { 0x540E }
sub O_RDWR () { 2 }
sub O_NOCTTY () { 0400 }
sub WNOHANG () { 1 }
sub PARTIAL_MAX () { 16384 }
# errno values (Linux, amd64 and aarch64 alike): naming them through %! would load Errno.pm
sub ENOENT () { 2 }
sub EINTR () { 4 }
sub EAGAIN () { 11 }
sub EEXIST () { 17 }

# ---- the spec: NUL-separated fields, each operation followed by its fixed number of operands ----

my %ARITY = (isolate => 1, netns => 1, root => 1, hostname => 1, cgroup => 1, oom => 1, env => 1, arg => 1, wd => 1,
    log => 1, bind => 3, fs => 5, mkdir => 1, touch => 1, symlink => 2);

sub read_spec {
    my ($dir) = @_;
    open(my $fh, '<:raw', "$dir/spec") or die "cannot read $dir/spec: $!\n";
    local $/;
    my $data = <$fh>;
    close $fh;
    my @fields = split /\0/, $data, -1;
    pop @fields if @fields && $fields[-1] eq '';
    my %spec = (isolate => 0, env => [], arg => [], cgroup => [], ops => []);
    while (@fields) {
        my $op = shift @fields;
        my $n = $ARITY{$op} // die "bad spec operation '$op'\n";
        my @operands = splice(@fields, 0, $n);
        die "truncated spec at '$op'\n" if @operands != $n;
        if ($op eq 'env' || $op eq 'arg' || $op eq 'cgroup') {
            push @{$spec{$op}}, $operands[0];
        } elsif ($op eq 'bind' || $op eq 'fs' || $op eq 'mkdir' || $op eq 'touch' || $op eq 'symlink') {
            push @{$spec{ops}}, [$op, @operands];
        } else {
            $spec{$op} = $operands[0];
        }
    }
    return \%spec;
}

# ---- run: start the container and supervise it ----

sub run_container {
    my ($dir, $arch, $timeout) = @_;
    my $spec = read_spec($dir);
    my $sys = $SYSCALLS{$arch // ''};
    die "no namespace support for architecture $arch\n" if $spec->{isolate} && !$sys;
    # Detach, as conmon does: the node-agent is neither the shim's parent nor in its session, so
    # the container outlives the agent and no signal for the agent's process group reaches it.
    # The first process relays the detached one's one-line report to the agent and only then
    # exits: the JVM closes a child's stdout once the child has exited and it has drained what
    # was there, so a report written after that exit could be lost (the agent then saw a failed
    # start of a container that was running, and its retry found the attempt taken).
    pipe(my $report_r, my $report_w) or die "pipe: $!\n";
    my $detached = fork() // die "fork: $!\n";
    if ($detached) {
        close $report_w;
        my $report = <$report_r>;
        if (defined $report) {
            syswrite(STDOUT, $report);
            exit 0;
        }
        exit 1;
    }
    close $report_r;
    open(STDOUT, '>&', $report_w) or die "report pipe: $!\n";
    close $report_w;
    setsid_now($sys);
    open(my $log, '>>:raw', $spec->{log}) or die "cannot open log $spec->{log}: $!\n";
    pipe(my $out_r, my $out_w) or die "pipe: $!\n";
    pipe(my $err_r, my $err_w) or die "pipe: $!\n";
    pipe(my $sync_r, my $sync_w) or die "pipe: $!\n";   # close-on-exec: EOF means exec succeeded
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        close $_ for ($out_r, $err_r, $sync_r, $log);
        open(STDOUT, '>', '/dev/null');   # the report pipe is the shim's alone
        my $error = eval { start_child($spec, $sys, $out_w, $err_w); 1 } ? '' : $@;
        syswrite($sync_w, $error);
        exit 127;
    }
    close $_ for ($out_w, $err_w, $sync_w);
    # The node-agent waits for the report line; this bounds its wait.
    local $SIG{ALRM} = sub {
        kill('KILL', -$pid, $pid);
        syswrite(STDOUT, "failed create: the container did not start within ${timeout}s\n");
        exit 1;
    };
    alarm($timeout || 30);
    my $failure = '';
    while (sysread($sync_r, my $chunk, 4096)) { $failure .= $chunk }
    alarm(0);
    close $sync_r;
    if ($failure ne '') {
        waitpid($pid, 0);
        $failure =~ s/\s+$//;
        $failure =~ s/\n/ /g;
        print STDOUT "failed $failure\n";
        exit 1;
    }
    my $started = now_nanos($sys);
    my $boot = boot_id();
    write_atomically("$dir/pid", join('', "pid=$pid\n", "start=", start_ticks($pid) // 0, "\n", "boot=$boot\n",
        "shim=$$\n", "shimstart=", start_ticks($$) // 0, "\n", "started=$started\n"));
    syswrite(STDOUT, "started $pid $started\n");
    open(STDOUT, '>', '/dev/null');
    supervise($spec, $sys, $dir, $pid, $log, $out_r, $err_r);
}

# In the child: join the cgroups, enter new namespaces, assemble the root, exec. Dies with a
# message prefixed "create:" (the container could not be set up) or "run:" (exec failed).
sub start_child {
    my ($spec, $sys, $out_w, $err_w) = @_;
    $SIG{$_} = 'DEFAULT' for grep { $_ ne 'ZERO' } keys %SIG;
    setsid_now($sys);
    for my $procs (@{$spec->{cgroup}}) {
        open(my $fh, '>', $procs) or die "create: cannot join cgroup $procs: $!\n";
        print $fh "$$\n";
        close($fh) or die "create: cannot join cgroup $procs: $!\n";
    }
    open(STDIN, '<', '/dev/null') or die "create: /dev/null: $!\n";
    if (defined $spec->{netns}) {
        # the pod's network namespace, before the mount namespace: /sys is then mounted with its devices
        die "create: no namespace support for architecture\n" unless $sys;
        open(my $net, '<', $spec->{netns}) or die "create: the pod's network namespace $spec->{netns}: $!\n";
        syscall($sys->{setns}, fileno($net), CLONE_NEWNET) == 0 or die "create: setns $spec->{netns}: $!\n";
        close $net;
    }
    if ($spec->{isolate}) {
        syscall($sys->{unshare}, CLONE_NEWNS | CLONE_NEWUTS) == 0 or die "create: unshare: $!\n";
        sys_mount($sys, 'none', '/', undef, MS_REC | MS_PRIVATE, undef);
        for my $op (@{$spec->{ops}}) {
            apply_op($sys, @$op);
        }
        my $host = $spec->{hostname} // '';
        syscall($sys->{sethostname}, $host, length $host) == 0 or die "create: sethostname $host: $!\n"
            if $host ne '';
        chroot($spec->{root}) or die "create: chroot $spec->{root}: $!\n";
        chdir('/') or die "create: chdir /: $!\n";
    }
    my $wd = $spec->{wd} // '/';
    chdir($wd) or die "create: working directory $wd: $!\n";
    %ENV = ();
    for my $kv (@{$spec->{env}}) {
        my ($k, $v) = split /=/, $kv, 2;
        $ENV{$k} = $v // '';
    }
    open(STDOUT, '>&', $out_w) or die "create: stdout: $!\n";
    open(STDERR, '>&', $err_w) or die "create: stderr: $!\n";
    close $_ for ($out_w, $err_w);
    exec_or_die(@{$spec->{arg}});
}

# The exit status of a failed exec, as shells report it: 127 not found, 126 not executable.
my $EXEC_STATUS = 126;

sub exec_or_die {
    my @argv = @_;
    die "run: no command specified\n" unless @argv;
    { local $^W = 0; exec { $argv[0] } @argv; }
    my ($error, $missing) = ("$!", $! == ENOENT);
    $EXEC_STATUS = $missing ? 127 : 126;
    if ($argv[0] !~ m{/} && $missing) {
        die "run: exec: \"$argv[0]\": executable file not found in \$PATH\n";
    }
    die "run: exec: \"$argv[0]\": $error\n";
}

sub apply_op {
    my ($sys, $op, @a) = @_;
    if ($op eq 'bind') {
        my ($src, $dst, $ro) = @a;
        sys_mount($sys, $src, $dst, undef, MS_BIND | MS_REC, undef);
        sys_mount($sys, 'none', $dst, undef, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, undef) if $ro;
    } elsif ($op eq 'fs') {
        my ($type, $dst, $flags, $data, $source) = @a;
        sys_mount($sys, $source, $dst, $type, $flags + 0, $data eq '' ? undef : $data);
    } elsif ($op eq 'mkdir') {
        make_path($a[0]);
    } elsif ($op eq 'touch') {
        open(my $fh, '>>', $a[0]) or die "create: cannot create $a[0]: $!\n";
        close $fh;
    } elsif ($op eq 'symlink') {
        symlink($a[0], $a[1]) or $! == EEXIST or die "create: symlink $a[1]: $!\n";
    }
}

sub sys_mount {
    my ($sys, $src, $dst, $type, $flags, $data) = @_;
    my $ok = syscall($sys->{mount}, $src // 0, $dst, $type // 0, $flags, $data // 0) == 0;
    die "create: mount $dst" . (defined $type ? " ($type)" : " from $src") . ": $!\n" unless $ok;
}

sub make_path {
    my ($path) = @_;
    my $so_far = '';
    for my $part (grep { $_ ne '' } split m{/}, $path) {
        $so_far .= "/$part";
        next if -d $so_far;
        mkdir($so_far) or $! == EEXIST or die "create: mkdir $so_far: $!\n";
    }
}

# After exec: copy output into the log until the container exits, then record how it ended.
sub supervise {
    my ($spec, $sys, $dir, $pid, $log, $out_r, $err_r) = @_;
    my %streams = (fileno($out_r) => ['stdout', $out_r, ''], fileno($err_r) => ['stderr', $err_r, '']);
    my $status;
    my $drain_until;
    local $SIG{CHLD} = sub { };   # only to interrupt select
    while (1) {
        if (!defined $status) {
            my $reaped = waitpid($pid, WNOHANG);
            if ($reaped == $pid) {
                $status = $?;
                kill_leftovers($spec, $pid);
                $drain_until = time() + 2;
            }
        }
        last if defined $status && (!%streams || time() > $drain_until);
        my $rin = '';
        vec($rin, $_, 1) = 1 for keys %streams;
        # A SIGCHLD that lands just before select() is only seen at the next wakeup: keep them short.
        my $n = select(my $rout = $rin, undef, undef, 0.25);
        next if $n <= 0;
        my $text = '';
        my $ts;
        for my $fd (keys %streams) {
            next unless vec($rout, $fd, 1);
            my $stream = $streams{$fd};
            my $got = sysread($stream->[1], my $chunk, 65536);
            next if !defined $got && ($! == EINTR || $! == EAGAIN);
            $ts //= timestamp($sys);
            if (!$got) {
                $text .= "$ts $stream->[0] F $stream->[2]\n" if $stream->[2] ne '';
                close $stream->[1];
                delete $streams{$fd};
                next;
            }
            $text .= cri_lines($ts, $stream, $chunk);
        }
        syswrite($log, $text) if $text ne '';
    }
    my $ts = timestamp($sys);
    my $rest = '';
    for my $stream (values %streams) {
        $rest .= "$ts $stream->[0] F $stream->[2]\n" if $stream->[2] ne '';
    }
    syswrite($log, $rest) if $rest ne '';
    close $log;
    my ($code, $signal) = ($status & 127) ? (128 + ($status & 127), $status & 127) : ($status >> 8, 0);
    my $oom = 0;
    if (defined $spec->{oom} && open(my $fh, '<', $spec->{oom})) {
        while (<$fh>) { $oom = $1 if /^oom_kill (\d+)/ }
        close $fh;
    }
    write_atomically("$dir/exit", "code=$code\nsignal=$signal\noom=$oom\nfinished=" . now_nanos($sys) . "\n");
    remove_cgroups($spec);
    exit 0;
}

# CRI log lines (timestamp stream F|P text) from a chunk; the partial last line stays buffered.
sub cri_lines {
    my ($ts, $stream, $chunk) = @_;
    my $buf = $stream->[2] . $chunk;
    my $text = '';
    my $pos = 0;
    while ((my $nl = index($buf, "\n", $pos)) >= 0) {
        while ($nl - $pos > PARTIAL_MAX) {
            $text .= "$ts $stream->[0] P " . substr($buf, $pos, PARTIAL_MAX) . "\n";
            $pos += PARTIAL_MAX;
        }
        $text .= "$ts $stream->[0] F " . substr($buf, $pos, $nl - $pos) . "\n";
        $pos = $nl + 1;
    }
    while (length($buf) - $pos > PARTIAL_MAX) {
        $text .= "$ts $stream->[0] P " . substr($buf, $pos, PARTIAL_MAX) . "\n";
        $pos += PARTIAL_MAX;
    }
    $stream->[2] = substr($buf, $pos);
    return $text;
}

# The container is over when its main process is: whatever it left behind goes too, as in a
# PID namespace whose init died.
sub kill_leftovers {
    my ($spec, $pid) = @_;
    kill('KILL', -$pid);
    for my $procs (@{$spec->{cgroup}}) {
        next unless open(my $fh, '<', $procs);
        my @pids = grep { /^\d+$/ } map { s/\s+//gr } <$fh>;
        close $fh;
        kill('KILL', @pids) if @pids;
    }
}

sub remove_cgroups {
    my ($spec) = @_;
    for my $attempt (1 .. 20) {
        my $left = 0;
        for my $procs (@{$spec->{cgroup}}) {
            (my $cg = $procs) =~ s{/cgroup\.procs$}{};
            next unless -d $cg;
            rmdir($cg) or $left++;
        }
        return if !$left;
        select(undef, undef, undef, 0.05);
    }
}

# ---- exec: a command inside a running container ----

sub exec_in_container {
    my ($dir, $arch, $tty, @argv) = @_;
    my $spec = read_spec($dir);
    my $sys = $SYSCALLS{$arch // ''};
    my %pid = read_keys("$dir/pid");
    my $target = $pid{pid} or fail_exec("the container has not started");
    for my $procs (@{$spec->{cgroup}}) {
        if (open(my $fh, '>', $procs)) { print $fh "$$\n"; close $fh }
    }
    if (defined $spec->{netns}) {
        fail_exec("no namespace support for architecture $arch") unless $sys;
        open(my $net, '<', "/proc/$target/ns/net") or fail_exec("the container is not running");
        syscall($sys->{setns}, fileno($net), CLONE_NEWNET) == 0 or fail_exec("setns net: $!");
        close $net;
    }
    if ($spec->{isolate}) {
        fail_exec("no namespace support for architecture $arch") unless $sys;
        open(my $uts, '<', "/proc/$target/ns/uts") or fail_exec("the container is not running");
        open(my $mnt, '<', "/proc/$target/ns/mnt") or fail_exec("the container is not running");
        opendir(my $root, "/proc/$target/root") or fail_exec("the container is not running");
        syscall($sys->{setns}, fileno($uts), CLONE_NEWUTS) == 0 or fail_exec("setns uts: $!");
        syscall($sys->{setns}, fileno($mnt), CLONE_NEWNS) == 0 or fail_exec("setns mnt: $!");
        chdir($root) or fail_exec("fchdir: $!");
        chroot('.') or fail_exec("chroot: $!");
        close $_ for ($uts, $mnt);
        closedir $root;
    }
    my $wd = $spec->{wd} // '/';
    chdir($wd) or chdir('/');
    %ENV = ();
    for my $kv (@{$spec->{env}}) {
        my ($k, $v) = split /=/, $kv, 2;
        $ENV{$k} = $v // '';
    }
    $ENV{TERM} //= 'xterm' if $tty;
    $SIG{$_} = 'DEFAULT' for grep { $_ ne 'ZERO' } keys %SIG;
    if (!$tty) {
        eval { exec_or_die(@argv) };
        fail_exec($@ =~ s/^run: //r, $EXEC_STATUS);
    }
    relay_tty($sys, @argv);
}

sub fail_exec {
    my ($message, $code) = @_;
    $message =~ s/\s+$//;
    syswrite(STDERR, "$message\n");
    exit($code // 126);
}

sub relay_tty {
    my ($sys, @argv) = @_;
    sysopen(my $master, '/dev/ptmx', O_RDWR | O_NOCTTY) or fail_exec("cannot open /dev/ptmx: $!");
    my $unlock = pack('i', 0);
    ioctl($master, TIOCSPTLCK, $unlock) or fail_exec("unlockpt: $!");
    my $n = pack('i', 0);
    ioctl($master, TIOCGPTN, $n) or fail_exec("ptsname: $!");
    my $slave_path = '/dev/pts/' . unpack('i', $n);
    set_size($master, 80, 24);
    my $pid = fork() // fail_exec("fork: $!");
    if ($pid == 0) {
        close $master;
        setsid_now($sys) if $sys;
        sysopen(my $slave, $slave_path, O_RDWR) or fail_exec("cannot open $slave_path: $!");
        ioctl($slave, TIOCSCTTY, 0);
        open(STDIN, '<&', $slave) or fail_exec("stdin: $!");
        open(STDOUT, '>&', $slave) or fail_exec("stdout: $!");
        open(STDERR, '>&', $slave) or fail_exec("stderr: $!");
        close $slave;
        eval { exec_or_die(@argv) };
        fail_exec($@ =~ s/^run: //r, $EXEC_STATUS);
    }
    my $in = '';
    my $stdin_open = 1;
    my $status;
    local $SIG{CHLD} = sub { };
    while (1) {
        if (!defined $status && waitpid($pid, WNOHANG) == $pid) {
            $status = $?;
        }
        my $rin = '';
        vec($rin, fileno($master), 1) = 1;
        vec($rin, fileno(STDIN), 1) = 1 if $stdin_open && !defined $status;
        my $nfound = select(my $rout = $rin, undef, undef, defined $status ? 0.1 : 1.0);
        if ($nfound <= 0) {
            last if defined $status;
            next;
        }
        if (vec($rout, fileno($master), 1)) {
            my $got = sysread($master, my $chunk, 65536);
            if (!$got) {
                last if defined $status || !($! == EINTR || $! == EAGAIN);
            } else {
                syswrite(STDOUT, $chunk);
            }
        }
        if ($stdin_open && vec($rout, fileno(STDIN), 1)) {
            my $got = sysread(STDIN, my $chunk, 65536);
            if (!$got) {
                $stdin_open = 0;
            } else {
                $in .= $chunk;
                $in = handle_frames($master, $in);
            }
        }
    }
    waitpid($pid, 0) unless defined $status;
    $status //= $?;
    exit(($status & 127) ? 128 + ($status & 127) : $status >> 8);
}

# Frames on stdin: 0 len16 bytes (terminal input), 1 cols16 rows16 (resize).
sub handle_frames {
    my ($master, $in) = @_;
    while (length $in >= 3) {
        my $type = ord(substr($in, 0, 1));
        if ($type == 0) {
            my $len = unpack('n', substr($in, 1, 2));
            last if length $in < 3 + $len;
            syswrite($master, substr($in, 3, $len));
            $in = substr($in, 3 + $len);
        } elsif ($type == 1) {
            last if length $in < 5;
            my ($cols, $rows) = unpack('n n', substr($in, 1, 4));
            set_size($master, $cols, $rows);
            $in = substr($in, 5);
        } else {
            return '';
        }
    }
    return $in;
}

# ---- small helpers ----

sub set_size {
    my ($master, $cols, $rows) = @_;
    my $winsize = pack('S4', $rows, $cols, 0, 0);
    ioctl($master, TIOCSWINSZ, $winsize);
}

sub setsid_now {
    my ($sys) = @_;
    if ($sys) { syscall($sys->{setsid}) } else { setpgrp(0, 0) }
}

sub now_nanos {
    my ($sys) = @_;
    return time() * 1_000_000_000 unless $sys;
    my $buf = "\0" x 16;
    syscall($sys->{clock_gettime}, 0, $buf) == 0 or return time() * 1_000_000_000;
    my ($s, $ns) = unpack('q q', $buf);
    return $s * 1_000_000_000 + $ns;
}

# RFC 3339 with nanoseconds, UTC, as the CRI log format has it.
sub timestamp {
    my ($sys) = @_;
    my $nanos = now_nanos($sys);
    my $s = int($nanos / 1_000_000_000);
    my @t = gmtime($s);
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%09dZ', $t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0],
        $nanos - $s * 1_000_000_000);
}

sub start_ticks {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/stat") or return undef;
    my $stat = <$fh>;
    close $fh;
    $stat =~ s/^.*\)\s+//s;
    return (split /\s+/, $stat)[19];
}

sub boot_id {
    open(my $fh, '<', '/proc/sys/kernel/random/boot_id') or return 'unknown';
    my $id = <$fh>;
    close $fh;
    chomp $id;
    return $id;
}

sub read_keys {
    my ($file) = @_;
    open(my $fh, '<', $file) or return ();
    my %kv = map { chomp; split /=/, $_, 2 } grep { /=/ } <$fh>;
    close $fh;
    return %kv;
}

sub write_atomically {
    my ($file, $content) = @_;
    open(my $fh, '>', "$file.tmp") or die "cannot write $file: $!\n";
    print $fh $content;
    close($fh) or die "cannot write $file: $!\n";
    rename("$file.tmp", $file) or die "cannot write $file: $!\n";
}

# ---- entry point ----

sub main {
    my ($mode, @rest) = @_;
    $SIG{PIPE} = 'IGNORE';
    $SIG{HUP} = 'IGNORE';
    if (!defined $mode) {
        die "usage: capstan-shim.pl run|exec|probe ...\n";
    } elsif ($mode eq 'probe') {
        my ($arch, $scratch) = @rest;
        my $sys = $SYSCALLS{$arch // ''};
        if (!$sys) { print "no namespace support for architecture $arch\n"; exit 1 }
        my $ok = eval {
            syscall($sys->{unshare}, CLONE_NEWNS | CLONE_NEWUTS) == 0 or die "unshare: $!\n";
            sys_mount($sys, 'none', '/', undef, MS_REC | MS_PRIVATE, undef);
            if (defined $scratch) {
                make_path($scratch);
                sys_mount($sys, 'tmpfs', $scratch, 'tmpfs', MS_NOSUID, 'size=64k');
                make_path("$scratch/$_") for qw(proc sys pts);
                sys_mount($sys, 'proc', "$scratch/proc", 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, undef);
                sys_mount($sys, 'sysfs', "$scratch/sys", 'sysfs', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, undef);
                sys_mount($sys, 'devpts', "$scratch/pts", 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666');
            }
            1;
        };
        if (!$ok) { print $@ =~ s/^create: //r; exit 1 }
        print "ok\n";
        exit 0;
    } elsif ($mode eq 'run') {
        run_container(@rest);
    } elsif ($mode eq 'exec') {
        exec_in_container(@rest);
    }
    die "unknown mode $mode\n";
}

main(@ARGV);
