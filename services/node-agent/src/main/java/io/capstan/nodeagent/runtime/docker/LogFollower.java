package io.capstan.nodeagent.runtime.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Copies one container's Docker log stream (timestamps on, stdout and stderr apart) into its CRI
 * log file ({@link CriLog}). A pass asks Docker for the entries since shortly before the last one
 * written (and skips those the file holds); a
 * follower repeats passes while the container runs (a pass ends when the container stops or the
 * connection breaks), then makes a last one and is done. The log is complete when
 * {@link #awaitDone} returns true, which is what makes an exited container's status trustworthy:
 * its output is in the log, as the process runtime's shim guarantees.
 */
final class LogFollower {
    private static final Logger LOG = Logger.getLogger(LogFollower.class);
    private static final Duration RETRY = Duration.ofMillis(200);

    private final DockerHttpClient http;
    private final String container;
    private final String description;
    private final boolean tty;
    private final CriLog log;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile DockerHttpClient.Response current;
    private volatile Thread thread;

    /** @param container the Docker name or id; {@code tty}: Docker sends one raw stream, not frames */
    LogFollower(DockerHttpClient http, String container, String description, Path file, boolean tty) throws IOException {
        this.http = http;
        this.container = container;
        this.description = description;
        this.tty = tty;
        this.log = new CriLog(file);
    }

    /** One pass without following: copies what Docker holds now. Returns false when Docker has no such container. */
    synchronized boolean catchUp() throws IOException {
        return pass(false);
    }

    /**
     * Follows in the background until the container has stopped and its last output is copied.
     * {@code running} says whether the container runs: true, false, or null once Docker no longer has it.
     */
    void follow(Supplier<Boolean> running) {
        thread = Thread.ofVirtual().name("docker-log-" + description).start(() -> {
            try {
                while (!closed) {
                    Boolean isRunning = running.get();
                    if (isRunning == null || !pass(isRunning) || !isRunning) {
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.warnf("the log of %s is no longer copied: %s", description, e.getMessage());
                }
            } finally {
                finish();
            }
        });
    }

    /** Marks a follower that will not follow (its container has exited and was caught up) as done. */
    void finish() {
        try {
            log.close();
        } catch (IOException e) {
            LOG.debugf("closing the log of %s: %s", description, e.getMessage());
        }
        done.complete(null);
    }

    /** Waits until the container's output is all in the log; false on timeout. */
    boolean awaitDone(Duration timeout) {
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    boolean isDone() {
        return done.isDone();
    }

    /** Stops copying (the runtime closes, or the container is removed) and waits briefly for the copier. */
    void close() {
        closed = true;
        DockerHttpClient.Response response = current;
        if (response != null) {
            try {
                response.close();
            } catch (RuntimeException e) {
                LOG.debugf("closing the log stream of %s: %s", description, e.getMessage());
            }
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            finish();
        }
    }

    /**
     * Streams the entries since the last one written; returns false when Docker has no such
     * container. A broken connection ends the pass normally: the caller decides whether to go on.
     */
    private synchronized boolean pass(boolean follow) throws IOException {
        log.rewind();
        String since = log.since();
        String path = "/containers/" + container + "/logs?stdout=1&stderr=1&timestamps=1&follow=" + (follow ? 1 : 0)
                + (since == null ? "" : "&since=" + since);
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path(path).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            current = response;
            if (closed) {
                return true;
            }
            int code = response.getStatusCode();
            if (code == 404) {
                return false;
            }
            if (code != 200) {
                String body = new String(response.getBody().readNBytes(1024), StandardCharsets.UTF_8).trim();
                throw new IOException("Docker answered " + code + " to " + path + ": " + body);
            }
            try {
                if (tty) {
                    copyRaw(response.getBody());
                } else {
                    copyFrames(response.getBody());
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.debugf("the log stream of %s broke: %s", description, e.getMessage());
                    sleep();
                }
            }
            log.flush();
            return true;
        } catch (RuntimeException e) {
            // the transport wraps connection failures (a restarting daemon) in unchecked exceptions
            if (closed) {
                return true;
            }
            LOG.debugf("cannot read the log of %s: %s", description, e.getMessage());
            sleep();
            return true;
        } finally {
            current = null;
        }
    }

    /** Docker's multiplexed stream: an 8-byte header (stream, 3 zero bytes, big-endian length), then one entry. */
    private void copyFrames(InputStream body) throws IOException {
        DockerFrames.demultiplex(body, CriLog.DOCKER_PARTIAL_SIZE + 128,
                (stderr, payload, length) -> log.append(stderr ? "stderr" : "stdout", payload, length, true));
    }

    /** A tty's single stream: entries are lines, each with its timestamp. */
    private void copyRaw(InputStream body) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = body.read(buffer)) >= 0) {
            for (int i = 0; i < n; i++) {
                line.write(buffer[i]);
                if (buffer[i] == '\n') {
                    log.append("stdout", line.toByteArray(), line.size(), false);
                    line.reset();
                }
            }
        }
        if (line.size() > 0) {
            log.append("stdout", line.toByteArray(), line.size(), false);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
