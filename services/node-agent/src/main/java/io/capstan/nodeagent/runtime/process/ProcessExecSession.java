package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ExecSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A command the shim runs in a container. Without a tty the streams are the command's own. With
 * one, the shim relays a pseudo terminal and reads its input in frames ({@code 0 len16 bytes} for
 * keystrokes, {@code 1 cols16 rows16} for a resize), so resizing needs no second channel.
 */
final class ProcessExecSession implements ExecSession {
    private static final int MAX_FRAME = 65535;

    private final Process process;
    private final boolean tty;
    private final OutputStream stdin;

    ProcessExecSession(Process process, boolean tty) {
        this.process = process;
        this.tty = tty;
        this.stdin = tty ? new FramedInput(process.getOutputStream()) : process.getOutputStream();
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return tty ? InputStream.nullInputStream() : process.getErrorStream();
    }

    @Override
    public void resize(int width, int height) {
        if (!tty) {
            return;
        }
        OutputStream raw = process.getOutputStream();
        synchronized (stdin) {
            try {
                raw.write(new byte[]{1, (byte) (width >> 8), (byte) width, (byte) (height >> 8), (byte) height});
                raw.flush();
            } catch (IOException ended) {
                // the command is gone; nothing to resize
            }
        }
    }

    @Override
    public Integer waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Wraps terminal input into data frames. */
    private static final class FramedInput extends OutputStream {
        private final OutputStream out;

        FramedInput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, MAX_FRAME);
                out.write(new byte[]{0, (byte) (n >> 8), (byte) n});
                out.write(b, off, n);
                off += n;
                len -= n;
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
