package io.capstan.nodeagent.runtime;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * A command running in a container ({@code kubectl exec}). With a tty, stderr is empty (the
 * terminal carries both) and {@link #resize} changes the terminal's size.
 */
public interface ExecSession extends AutoCloseable {
    OutputStream stdin();

    InputStream stdout();

    InputStream stderr();

    void resize(int width, int height);

    /** Waits for the exit code; null on timeout. */
    Integer waitFor(Duration timeout) throws InterruptedException;

    /** Kills the command if it still runs. */
    @Override
    void close();
}
