package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerId;

import java.io.IOException;
import java.time.Duration;

/**
 * {@code kubectl attach} without stdin: what the running container writes from now on, until
 * it exits (then a Success status, as the kubelet sends) or the client leaves. The process
 * runtime keeps no handle on a container's own stdin and stdout, so this follows the container's
 * log, which has both streams in order, rather than its pipes.
 */
final class Attachment implements CommandConnection.Session {
    private static final Duration POLL = Duration.ofMillis(100);

    private final ContainerLookup lookup;
    private final ContainerId id;
    private final CommandOptions options;
    private volatile boolean gone;

    Attachment(ContainerLookup lookup, ContainerId id, CommandOptions options) {
        this.lookup = lookup;
        this.id = id;
        this.options = options;
    }

    @Override
    public void start(CommandConnection connection) {
        Thread.ofVirtual().name("attach").start(() -> {
            try {
                LogReader.read(lookup.logPath(id), LogOptions.attach(), () -> !gone && lookup.isRunning(id), POLL,
                        (source, bytes) -> switch (source) {
                            case STDOUT -> !options.stdout() || connection.stdout(bytes, bytes.length);
                            case STDERR -> !options.stderr() || connection.stderr(bytes, bytes.length);
                        });
            } catch (IOException e) {
                connection.finish(CommandResult.failed(e.getMessage()));
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (gone) {
                connection.abort();
            } else {
                connection.finish(CommandResult.exited(0));
            }
        });
    }

    @Override
    public void stdin(byte[] data) {
        // refused before the upgrade: attach here carries no stdin
    }

    @Override
    public void stdinClosed() {
        // no stdin
    }

    @Override
    public void resize(int width, int height) {
        // the container's terminal is not ours to resize
    }

    @Override
    public void closed() {
        gone = true;
    }
}
