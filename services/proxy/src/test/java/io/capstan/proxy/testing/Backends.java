package io.capstan.proxy.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Real backends on loopback, each answering its own id: HTTP (JDK HttpServer) and TCP (id, then echo). */
public final class Backends implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backend");
        t.setDaemon(true);
        return t;
    });

    /** An HTTP server at ip on a free port answering "id path" (and echoing a POST body after it). */
    public MeshFixture.Ep http(String ip, String id) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 256);
        server.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            String xff = ex.getRequestHeaders().getFirst("X-Forwarded-For");
            byte[] body = (id + " " + ex.getRequestURI().getPath() + (in.length > 0 ? " " + new String(in, StandardCharsets.UTF_8) : "")).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("X-Backend", id);
            if (xff != null) {
                ex.getResponseHeaders().add("X-Seen-XFF", xff);
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.setExecutor(pool);
        server.start();
        open.add(() -> server.stop(0));
        return MeshFixture.Ep.healthy(ip, server.getAddress().getPort());
    }

    /** A TCP server that writes "id\n", then echoes what it reads until the client half-closes, then closes. */
    public MeshFixture.Ep tcp(String ip, String id) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(ip), 0), 256);
        open.add(ss);
        pool.execute(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    pool.execute(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            out.write((id + "\n").getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return MeshFixture.Ep.healthy(ip, ss.getLocalPort());
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        pool.shutdownNow();
    }
}
