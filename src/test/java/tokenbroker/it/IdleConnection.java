package tokenbroker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A kept-alive connection that sends one request and then nothing, and notes when the broker closes it: the
 * production idle timeout (60 s, application.properties) watched on the packaged broker while the long tests run.
 */
final class IdleConnection {

    private final Socket socket;
    private final Instant opened = Instant.now();
    private final CompletableFuture<Instant> closed = new CompletableFuture<>();
    private final StringBuilder received = new StringBuilder();

    private IdleConnection(int port, String request) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        Thread reader = new Thread(this::readUntilClosed, "idle-connection-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends {@code GET path} with keep-alive to {@code 127.0.0.1:port}. */
    static IdleConnection open(int port, String path) {
        try {
            return new IdleConnection(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata: true\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long after it was opened the broker closed it; fails if it is still open after {@code wait}. */
    Duration closedAfter(Duration wait) throws Exception {
        try {
            return Duration.between(opened, closed.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            socket.close();
        }
    }

    /** The first line the broker answered. */
    String statusLine() {
        synchronized (received) {
            int end = received.indexOf("\r\n");
            return end < 0 ? received.toString() : received.substring(0, end);
        }
    }

    private void readUntilClosed() {
        byte[] buffer = new byte[4096];
        try {
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0;) {
                synchronized (received) {
                    received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                }
            }
            closed.complete(Instant.now());
        } catch (IOException e) {
            closed.complete(Instant.now()); // a reset is a close too
        }
    }
}
