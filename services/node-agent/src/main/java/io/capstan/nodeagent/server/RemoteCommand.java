package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ExecSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one {@code kubectl exec} for a connected client: the client's stdin goes to the command
 * through a queue and a writer thread (the event loop never blocks on a pipe; reading from the
 * client pauses while more than {@link #STDIN_HIGH} bytes wait), its stdout and stderr are
 * copied out, its terminal resized, and the exit code is sent when it has ended and its output
 * is read. The command is killed when the client goes away. All waiting happens on virtual
 * threads.
 */
final class RemoteCommand implements CommandConnection.Session {
    private static final int STDIN_HIGH = 4 * 1024 * 1024;
    private static final byte[] END_OF_STDIN = new byte[0];
    /**
     * After the command exited its output is read to the end, however slowly the client takes
     * it, unless a read waits this long for more (a child it left behind holds the pipe open).
     */
    private static final long OUTPUT_IDLE_NANOS = Duration.ofSeconds(2).toNanos();

    /** Starts the command; the runtime's exec. */
    interface Starter {
        ExecSession start() throws ContainerRuntime.RuntimeFailure;
    }

    private final CommandOptions options;
    private final Starter starter;
    private final LinkedBlockingQueue<byte[]> stdin = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile CommandConnection connection;
    private volatile ExecSession session;
    private volatile int[] size;
    private volatile boolean gone;
    private volatile boolean inputPaused;

    RemoteCommand(CommandOptions options, Starter starter) {
        this.options = options;
        this.starter = starter;
    }

    @Override
    public void start(CommandConnection connection) {
        this.connection = connection;
        Thread.ofVirtual().name("exec").start(this::run);
    }

    private void run() {
        ExecSession s;
        try {
            s = starter.start();
        } catch (ContainerRuntime.RuntimeFailure e) {
            connection.finish(CommandResult.failed("error executing command in container: " + e.getMessage()));
            return;
        }
        session = s;
        try (s) {
            if (gone) {
                connection.abort();
                return;
            }
            int[] wanted = size;
            if (wanted != null) {
                s.resize(wanted[0], wanted[1]);
            }
            Thread writer = options.stdin() ? Thread.ofVirtual().name("exec-stdin").start(() -> feed(s.stdin())) : null;
            if (writer == null) {
                closeQuietly(s.stdin());
            }
            Pump out = new Pump(s.stdout(), true);
            Pump err = new Pump(s.stderr(), false);
            Integer code = null;
            while (code == null && !gone) {
                code = s.waitFor(Duration.ofSeconds(1));
            }
            if (code == null) {
                connection.abort();
                return;
            }
            while ((out.busy() || err.busy()) && !gone) {
                out.thread.join(Duration.ofMillis(100));
                err.thread.join(Duration.ofMillis(100));
            }
            if (writer != null) {
                writer.interrupt();
            }
            connection.finish(CommandResult.exited(code));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.abort();
        }
    }

    /** Copies one output stream of the command to the client. */
    private final class Pump {
        private final Thread thread;
        /** When the pending read started, 0 while not reading. */
        private volatile long readingSince;

        Pump(InputStream from, boolean stdout) {
            this.thread = Thread.ofVirtual().name(stdout ? "exec-stdout" : "exec-stderr").start(() -> copy(from, stdout));
        }

        /** Still copying: alive, and not stuck in a read nothing answers. */
        boolean busy() {
            long since = readingSince;
            return thread.isAlive() && (since == 0 || System.nanoTime() - since < OUTPUT_IDLE_NANOS);
        }

        private void copy(InputStream from, boolean stdout) {
            byte[] buffer = new byte[32 * 1024];
            try {
                while (true) {
                    readingSince = System.nanoTime();
                    int n = from.read(buffer);
                    readingSince = 0;
                    if (n < 0) {
                        return;
                    }
                    boolean wanted = stdout ? options.stdout() : options.stderr();
                    if (n > 0 && wanted && !(stdout ? connection.stdout(buffer, n) : connection.stderr(buffer, n))) {
                        return;
                    }
                }
            } catch (IOException closed) {
                // the command ended or was killed
            }
        }
    }

    private void feed(OutputStream to) {
        try (to) {
            while (true) {
                byte[] data = stdin.take();
                if (data == END_OF_STDIN) {
                    return;
                }
                to.write(data);
                to.flush();
                if (queued.addAndGet(-data.length) < STDIN_HIGH / 4 && inputPaused) {
                    inputPaused = false;
                    connection.readInput(true);
                }
            }
        } catch (IOException | InterruptedException ended) {
            // the command no longer reads its stdin, or it exited
        }
    }

    @Override
    public void stdin(byte[] data) {
        if (data.length == 0 || !options.stdin()) {
            return;
        }
        stdin.add(data);
        if (queued.addAndGet(data.length) > STDIN_HIGH && !inputPaused && connection != null) {
            inputPaused = true;
            connection.readInput(false);
        }
    }

    @Override
    public void stdinClosed() {
        stdin.add(END_OF_STDIN);
    }

    @Override
    public void resize(int width, int height) {
        size = new int[] {width, height};
        ExecSession s = session;
        if (s != null && options.tty()) {
            s.resize(width, height);
        }
    }

    @Override
    public void closed() {
        gone = true;
        ExecSession s = session;
        if (s != null) {
            s.close();
        }
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // nothing reads it anyway
        }
    }
}
