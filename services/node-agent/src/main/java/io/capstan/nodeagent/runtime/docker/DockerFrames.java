package io.capstan.nodeagent.runtime.docker;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Docker's multiplexed stream (logs and exec of a container without a tty): each entry is an
 * 8-byte header (stream 1 stdout or 2 stderr, 3 zero bytes, big-endian length), then the entry.
 */
final class DockerFrames {
    private DockerFrames() {
    }

    /** Where the entries go. */
    interface Sink {
        void entry(boolean stderr, byte[] payload, int length) throws IOException;
    }

    /** Hands every entry of {@code body} to {@code sink} until the stream ends. */
    static void demultiplex(InputStream body, int bufferSize, Sink sink) throws IOException {
        DataInputStream in = new DataInputStream(body);
        byte[] header = new byte[8];
        byte[] payload = new byte[bufferSize];
        while (true) {
            try {
                in.readFully(header);
            } catch (EOFException end) {
                return;
            }
            int length = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                    | (header[7] & 0xff);
            if (length > payload.length) {
                payload = new byte[length];
            }
            in.readFully(payload, 0, length);
            sink.entry(header[0] == 2, payload, length);
        }
    }
}
