package io.capstan.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One HTTP/1.1 request on its own connection from a chosen source address (Connection: close). */
public final class RawHttp {
    private RawHttp() {
    }

    public record Response(int status, String headers, String body) {
    }

    public static Response get(String sourceIp, String ip, int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            if (sourceIp != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(sourceIp), 0));
            }
            s.connect(new InetSocketAddress(ip, port), 5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = text.substring(0, split);
            int status = Integer.parseInt(head.split(" ")[1]);
            return new Response(status, head, text.substring(split + 4));
        }
    }
}
