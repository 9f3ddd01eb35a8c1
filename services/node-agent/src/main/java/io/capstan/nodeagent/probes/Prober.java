package io.capstan.nodeagent.probes;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ExecSession;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Runs probe and hook actions the way the kubelet's prober does, with its messages:
 * <ul>
 *   <li>httpGet: one GET on a fresh connection (no keep-alive, as the kubelet disables it) to
 *       {@code host} or the pod IP, with {@code User-Agent: kube-probe/1.33}; 200-399 succeeds
 *       (a redirect is not followed and counts as success, as the kubelet's "Probe terminated
 *       redirects" warning does); HTTPS skips certificate checks;</li>
 *   <li>tcpSocket: a connection that opens;</li>
 *   <li>exec: the command through the runtime inside the container, exit code 0, killed at the
 *       timeout.</li>
 * </ul>
 * Thread-safe and blocking: callers run it on virtual threads.
 */
public final class Prober {
    static final String USER_AGENT = "kube-probe/1.33";
    private static final int MAX_BODY = 10 * 1024;

    private final ContainerRuntime runtime;

    /** @param success the action succeeded; @param message the failure (or the output) as the kubelet words it */
    public record Outcome(boolean success, String message) {
        static Outcome ok(String message) {
            return new Outcome(true, message);
        }

        static Outcome failed(String message) {
            return new Outcome(false, message);
        }
    }

    public Prober(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    /** Resolves a port by number or by the name of one of the container's ports. */
    public static int port(IntOrString port, Container container) {
        if (port == null) {
            throw new IllegalArgumentException("no port");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        String name = port.getStrVal();
        if (name != null && name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            return Integer.parseInt(name);
        }
        if (container.getPorts() != null) {
            for (ContainerPort p : container.getPorts()) {
                if (name != null && name.equals(p.getName())) {
                    return p.getContainerPort();
                }
            }
        }
        throw new IllegalArgumentException("couldn't find port: " + name + " in container " + container.getName());
    }

    public Outcome http(HTTPGetAction action, String podIp, Container container, Duration timeout) {
        int port;
        try {
            port = port(action.getPort(), container);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(e.getMessage());
        }
        String host = action.getHost() == null || action.getHost().isEmpty() ? podIp : action.getHost();
        String scheme = action.getScheme() == null ? "HTTP" : action.getScheme().toUpperCase(Locale.ROOT);
        String path = action.getPath() == null || action.getPath().isEmpty() ? "/" : action.getPath();
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        String url = scheme.toLowerCase(Locale.ROOT) + "://" + hostPort(host, port) + path;
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = connect(host, port, millis, "HTTPS".equals(scheme))) {
            socket.setSoTimeout(millis);
            StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n");
            boolean hostSet = false;
            boolean agentSet = false;
            boolean acceptSet = false;
            List<HTTPHeader> headers = action.getHttpHeaders() == null ? List.of() : action.getHttpHeaders();
            for (HTTPHeader h : headers) {
                String name = h.getName().toLowerCase(Locale.ROOT);
                hostSet |= name.equals("host");
                agentSet |= name.equals("user-agent");
                acceptSet |= name.equals("accept");
                request.append(h.getName()).append(": ").append(h.getValue()).append("\r\n");
            }
            if (!hostSet) {
                request.append("Host: ").append(hostPort(host, port)).append("\r\n");
            }
            if (!agentSet) {
                request.append("User-Agent: ").append(USER_AGENT).append("\r\n");
            }
            if (!acceptSet) {
                request.append("Accept: */*\r\n");
            }
            request.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String response = readResponse(socket.getInputStream());
            int code = statusCode(response);
            if (code < 0) {
                return Outcome.failed("Get \"" + url + "\": malformed HTTP response");
            }
            String body = response.contains("\r\n\r\n") ? response.substring(response.indexOf("\r\n\r\n") + 4) : "";
            if (code >= 200 && code < 400) {
                return Outcome.ok(code >= 300 ? "Probe terminated redirects, Response body: " + body : body);
            }
            return Outcome.failed("HTTP probe failed with statuscode: " + code);
        } catch (SocketTimeoutException e) {
            return Outcome.failed("Get \"" + url + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        } catch (IOException e) {
            return Outcome.failed("Get \"" + url + "\": " + dialError(host, port, e));
        }
    }

    public Outcome tcp(IntOrString portRef, String host, String podIp, Container container, Duration timeout) {
        int port;
        try {
            port = port(portRef, container);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(e.getMessage());
        }
        String target = host == null || host.isEmpty() ? podIp : host;
        try (Socket ignored = connect(target, port, (int) Math.max(1, timeout.toMillis()), false)) {
            return Outcome.ok("");
        } catch (IOException e) {
            return Outcome.failed(dialError(target, port, e));
        }
    }

    /** Runs {@code command} in the container; its output (stdout then stderr) is the message. */
    public Outcome exec(ContainerId id, List<String> command, Duration timeout) {
        try (ExecSession session = runtime.exec(id, command, false)) {
            session.stdin().close();
            CompletableFuture<String> stdout = drain(session.stdout());
            CompletableFuture<String> stderr = drain(session.stderr());
            Integer exit = session.waitFor(timeout);
            if (exit == null) {
                return Outcome.failed("command \"" + String.join(" ", command) + "\" timed out");
            }
            String output = limit(stdout.join() + stderr.join());
            return exit == 0 ? Outcome.ok(output) : Outcome.failed(output);
        } catch (ContainerRuntime.RuntimeFailure e) {
            return Outcome.failed(e.getMessage());
        } catch (IOException e) {
            return Outcome.failed(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed("interrupted");
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().name("exec-output").start(() -> {
            try (in) {
                result.complete(readAtMost(in, MAX_BODY));
            } catch (IOException e) {
                result.complete("");
            }
        });
        return result;
    }

    private static String limit(String s) {
        return s.length() > MAX_BODY ? s.substring(0, MAX_BODY) : s;
    }

    private static Socket connect(String host, int port, int timeoutMillis, boolean tls) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            if (!tls) {
                return socket;
            }
            return insecureTls().getSocketFactory().createSocket(socket, host, port, true);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The kubelet probes HTTPS without verifying certificates (InsecureSkipVerify). */
    private static SSLContext insecureTls() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[]{new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Reads until EOF or {@code max} bytes; a read timeout after some bytes keeps what came. */
    private static String readAtMost(InputStream in, int max) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        try {
            int n;
            while (buf.size() < max && (n = in.read(chunk, 0, Math.min(chunk.length, max - buf.size()))) > 0) {
                buf.write(chunk, 0, n);
            }
        } catch (SocketTimeoutException e) {
            if (buf.size() == 0) {
                throw e;
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads the status line and headers, and the body when its length is given (up to 10 KiB):
     * the verdict needs no more, and a server that ignores {@code Connection: close} must not
     * hold the probe until its timeout.
     */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int headerEnd = -1;
        int contentLength = 0;
        byte[] chunk = new byte[4096];
        int n;
        while (buf.size() < MAX_BODY && (n = in.read(chunk)) > 0) {
            buf.write(chunk, 0, n);
            String text = buf.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && (headerEnd = text.indexOf("\r\n\r\n")) >= 0) {
                for (String line : text.substring(0, headerEnd).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        try {
                            contentLength = Integer.parseInt(line.substring("content-length:".length()).trim());
                        } catch (NumberFormatException e) {
                            contentLength = 0;
                        }
                    }
                }
            }
            if (headerEnd >= 0 && buf.size() >= Math.min(MAX_BODY, headerEnd + 4 + contentLength)) {
                break;
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** The status code of "HTTP/1.1 200 OK", or -1. */
    static int statusCode(String response) {
        if (!response.startsWith("HTTP/")) {
            return -1;
        }
        String[] parts = response.split(" ", 3);
        try {
            return parts.length < 2 ? -1 : Integer.parseInt(parts[1].trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Go's net.Dial error text, which the kubelet puts in probe messages. */
    static String dialError(String host, int port, IOException e) {
        String target = "dial tcp " + hostPort(host, port) + ": ";
        if (e instanceof SocketTimeoutException) {
            return target + "i/o timeout";
        }
        if (e instanceof ConnectException) {
            return target + "connect: connection refused";
        }
        return target + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private static String hostPort(String host, int port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
