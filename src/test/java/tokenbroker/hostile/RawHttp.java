package tokenbroker.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.x exchanges on a bare socket, for requests that no HTTP client would send: the bytes go out exactly as
 * given, and the answer is read as it comes, including what follows it (a second answer to a smuggled request)
 * and whether the server closes the connection.
 *
 * <pre>{@code
 * RawHttp.Answer answer = RawHttp.exchange(port, "GET / HTTP/9.9\r\n\r\n", Duration.ofSeconds(2));
 * assertThat(answer.status()).isEqualTo(400);
 * assertThat(answer.closed()).isTrue();
 * }</pre>
 */
public final class RawHttp {

    /** Longest wait for the first answer: no exchange of this suite takes more than milliseconds. */
    private static final Duration ANSWER_LIMIT = Duration.ofSeconds(10);

    private RawHttp() {
    }

    /**
     * What came back on one connection.
     *
     * @param status  the first answer's status, or -1 when the connection closed (or was reset) without one
     * @param headers the first answer's headers, names in lower case
     * @param after   whatever arrived after the first answer, before the connection closed or went quiet
     * @param closed  whether the server closed the connection within the wait given to {@link #exchange}
     */
    public record Answer(String statusLine, int status, Map<String, List<String>> headers, String body, String after,
            boolean closed) {

        /** The first value of header {@code name}, or {@code null}. */
        public String header(String name) {
            List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
            return values.isEmpty() ? null : values.get(0);
        }

        public boolean answered() {
            return status > 0;
        }

        /** A status line from the HTTP codec: no body and no content type (Vert.x's own 400, 414, 431). */
        public boolean bare() {
            return answered() && body.isEmpty() && header("content-type") == null;
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " " + body + (after.isEmpty() ? "" : " then " + after)
                    + (closed ? " (closed)" : "");
        }
    }

    public static Answer exchange(int port, String request, Duration linger) {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), linger);
    }

    /**
     * Sends {@code request}, reads the first answer, then waits up to {@code linger} for more bytes or for the
     * server to close the connection. A zero {@code linger} returns as soon as the first answer is complete.
     */
    public static Answer exchange(int port, byte[] request, Duration linger) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The server may answer and close before it has read everything (a 5 kB request line): read on.
            }
            return read(socket, linger);
        } catch (IOException e) {
            throw new AssertionError("cannot reach the broker on port " + port, e);
        }
    }

    private static Answer read(Socket socket, Duration linger) throws IOException {
        Reader reader = new Reader(socket);
        long deadline = System.nanoTime() + ANSWER_LIMIT.toNanos();
        int headerEnd;
        while ((headerEnd = indexOf(reader.bytes(), "\r\n\r\n")) < 0) {
            if (!reader.more(deadline)) {
                String partial = reader.text();
                return new Answer(partial.isEmpty() ? "" : partial.lines().findFirst().orElse(""), -1, Map.of(), "", "",
                        reader.closed);
            }
        }
        String head = reader.text().substring(0, headerEnd);
        String[] lines = head.split("\r\n");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).strip());
            }
        }
        int bodyStart = headerEnd + 4;
        List<String> lengths = headers.getOrDefault("content-length", List.of());
        int length = lengths.isEmpty() ? 0 : Integer.parseInt(lengths.get(0));
        while (reader.bytes().length < bodyStart + length && reader.more(deadline)) {
            // reading the body
        }
        long lingerEnd = System.nanoTime() + linger.toNanos();
        while (!linger.isZero() && reader.more(lingerEnd)) {
            // reading whatever follows, until the server closes or goes quiet
        }
        String all = reader.text();
        int bodyEnd = Math.min(all.length(), bodyStart + length);
        return new Answer(lines[0], status(lines[0]), headers, all.substring(Math.min(bodyStart, bodyEnd), bodyEnd),
                all.substring(bodyEnd), reader.closed);
    }

    private static int status(String statusLine) {
        String[] parts = statusLine.split(" ");
        try {
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int indexOf(byte[] bytes, String what) {
        return new String(bytes, StandardCharsets.ISO_8859_1).indexOf(what);
    }

    /** Accumulates what the socket gives, until a deadline, the end of the stream or a reset. */
    private static final class Reader {
        private final Socket socket;
        private final InputStream in;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[16 * 1024];
        boolean closed;

        Reader(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        /** Reads once; {@code false} when nothing more will come before {@code deadline}. */
        boolean more(long deadline) throws IOException {
            if (closed) {
                return false;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    closed = true;
                    return false;
                }
                received.write(buffer, 0, n);
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                closed = true; // reset by the server: closed, too
                return false;
            }
        }

        byte[] bytes() {
            return received.toByteArray();
        }

        String text() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
