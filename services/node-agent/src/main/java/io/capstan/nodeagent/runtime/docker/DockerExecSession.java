package io.capstan.nodeagent.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectExecResponse;
import io.capstan.nodeagent.runtime.ExecSession;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A Docker exec attached over a connection of its own that the daemon hijacks
 * ({@code POST /exec/<id>/start} with {@code Upgrade: tcp}). The connection is made here rather
 * than through docker-java, whose hijacking never sees the end of a stream after stdin is closed
 * (docker-java issue 1552): what the caller writes to {@link #stdin()} goes straight to the
 * connection, and closing it half-closes the connection, which the command sees as the end of its
 * input, as {@code docker exec -i} does. Docker's frames are copied into two pipes (stdout,
 * stderr; a tty sends one raw stream, all stdout). The exit code comes from the exec's inspection
 * once it has ended. Docker cannot kill an exec: {@link #close()} kills its process by pid, which
 * works where the daemon runs on this host (the node-agent's case).
 */
final class DockerExecSession implements ExecSession {
    private static final Logger LOG = Logger.getLogger(DockerExecSession.class);

    private final DockerClient docker;
    private final String execId;
    private final SocketChannel connection;
    private final Pipe stdout;
    private final Pipe stderr;
    private final OutputStream stdin;
    private final InputStream stdoutReader;
    private final InputStream stderrReader;
    private final Thread copier;

    private DockerExecSession(DockerClient docker, String execId, SocketChannel connection, InputStream output,
                              boolean tty) throws IOException {
        this.docker = docker;
        this.execId = execId;
        this.connection = connection;
        this.stdout = Pipe.open();
        this.stderr = Pipe.open();
        this.stdoutReader = Channels.newInputStream(stdout.source());
        this.stderrReader = Channels.newInputStream(stderr.source());
        OutputStream toConnection = Channels.newOutputStream(connection);
        this.stdin = new OutputStream() {
            private volatile boolean closed;

            @Override
            public void write(int b) throws IOException {
                toConnection.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                toConnection.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    if (connection.isOpen()) {
                        connection.shutdownOutput();
                    }
                }
            }
        };
        this.copier = Thread.ofVirtual().name("docker-exec-" + execId.substring(0, Math.min(12, execId.length())))
                .start(() -> copy(output, tty));
    }

    /**
     * Starts a created exec: connects to the daemon at {@code host} (unix or plain tcp), asks for
     * the hijack and returns once the daemon has switched protocols.
     */
    static DockerExecSession start(DockerClient docker, URI host, String execId, boolean tty) throws IOException {
        SocketAddress address = switch (host.getScheme().toLowerCase(Locale.ROOT)) {
            case "unix" -> UnixDomainSocketAddress.of(host.getPath());
            case "tcp", "http" -> new InetSocketAddress(host.getHost(), host.getPort() < 0 ? 2375 : host.getPort());
            default -> throw new IOException("exec cannot connect to the Docker host " + host
                    + " (unix:// and plain tcp:// are supported)");
        };
        SocketChannel connection = SocketChannel.open(address);
        try {
            String body = "{\"Detach\":false,\"Tty\":" + tty + "}";
            String request = "POST /exec/" + execId + "/start HTTP/1.1\r\n"
                    + "Host: docker\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Upgrade: tcp\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body;
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                connection.write(out);
            }
            InputStream in = Channels.newInputStream(connection);
            String head = readHead(in);
            String status = head.lines().findFirst().orElse("");
            if (!status.matches("HTTP/1\\.[01] (101|200) .*")) {
                String answer = new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim();
                throw new IOException("Docker refused to start exec " + execId + ": " + status + " " + answer);
            }
            return new DockerExecSession(docker, execId, connection, in, tty);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The status line and headers, up to the blank line; the stream is left at the first byte after it. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the Docker daemon closed the connection before answering");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 65536) {
                throw new IOException("the Docker daemon's answer has no end of headers");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Docker's multiplexed frames (stream byte, 3 zero bytes, big-endian length, payload), or a tty's raw bytes. */
    private void copy(InputStream output, boolean tty) {
        OutputStream out = Channels.newOutputStream(stdout.sink());
        OutputStream err = Channels.newOutputStream(stderr.sink());
        try {
            if (tty) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = output.read(buffer)) >= 0) {
                    write(out, buffer, n);
                }
            } else {
                DockerFrames.demultiplex(output, 8192, (stderr, payload, length) -> write(stderr ? err : out, payload, length));
            }
        } catch (IOException e) {
            LOG.debugf("exec %s: the connection ended: %s", execId, e.getMessage());
        } finally {
            closeQuietly(out);
            closeQuietly(err);
        }
    }

    private static void write(OutputStream to, byte[] bytes, int length) {
        try {
            to.write(bytes, 0, length);
        } catch (IOException e) {
            // the caller closed its end: the rest of this stream goes nowhere
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdoutReader;
    }

    @Override
    public InputStream stderr() {
        return stderrReader;
    }

    @Override
    public void resize(int width, int height) {
        try {
            docker.resizeExecCmd(execId).withSize(height, width).exec();
        } catch (RuntimeException e) {
            LOG.debugf("resizing exec %s: %s", execId, e.getMessage());
        }
    }

    @Override
    public Integer waitFor(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        if (!copier.join(timeout)) {
            return null;
        }
        long sleep = 2;
        while (true) {
            InspectExecResponse exec;
            try {
                exec = docker.inspectExecCmd(execId).exec();
            } catch (RuntimeException e) {
                LOG.debugf("inspecting exec %s: %s", execId, e.getMessage());
                return null;
            }
            if (!Boolean.TRUE.equals(exec.isRunning())) {
                return exec.getExitCodeLong() == null ? null : exec.getExitCodeLong().intValue();
            }
            if (!Instant.now().isBefore(deadline)) {
                return null;
            }
            Thread.sleep(sleep);
            sleep = Math.min(50, sleep * 2);
        }
    }

    @Override
    public void close() {
        try {
            InspectExecResponse exec = docker.inspectExecCmd(execId).exec();
            if (Boolean.TRUE.equals(exec.isRunning()) && exec.getPidLong() != null && exec.getPidLong() > 0) {
                ProcessHandle.of(exec.getPidLong()).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeException e) {
            LOG.debugf("inspecting exec %s: %s", execId, e.getMessage());
        }
        closeQuietly(connection);
        try {
            copier.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(stdoutReader);
        closeQuietly(stderrReader);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed, or the other side went away
        }
    }
}
