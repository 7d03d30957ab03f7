package tokenbroker.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token endpoint on a bare loopback {@link ServerSocket}, for the network faults WireMock cannot make: a black
 * hole (connections accepted, requests read, nothing ever answered or closed), a reset after reading a request,
 * and an answer that stops half way. Every request it reads is recorded with its body; {@link #openConnections()}
 * counts the connections the broker has not closed.
 */
final class SocketIdp implements AutoCloseable {

    /** What the next request read gets. */
    enum Mode {
        /** A 200 with a fresh token ({@link #lifetime}, one hour by default). */
        ANSWER,
        /** Nothing, ever; the connection stays open until the broker closes it. */
        BLACK_HOLE,
        /** The status line, the headers and part of the body, then nothing. */
        STALL_MID_ANSWER,
        /** The connection is reset (RST), once; later requests are answered. */
        RESET_ONCE
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "socket-idp");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger tokens = new AtomicInteger();
    private volatile Mode mode = Mode.ANSWER;
    private volatile long lifetimeSeconds = 3600;

    SocketIdp() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    String tokenUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/token";
    }

    void mode(Mode next) {
        mode = next;
    }

    /** The {@code expires_in} of the tokens answered from now on. */
    void lifetime(long seconds) {
        lifetimeSeconds = seconds;
    }

    /** The bodies of every request read, in order. */
    List<String> bodies() {
        return List.copyOf(bodies);
    }

    int requests() {
        return bodies.size();
    }

    /** How many requests asked for {@code scope}. */
    int requests(String scope) {
        String param = "scope=" + scope;
        return (int) bodies.stream().filter(b -> b.contains(param)).count();
    }

    int connections() {
        return connections.get();
    }

    /** Connections accepted that neither side has closed yet. */
    int openConnections() {
        open.removeIf(Socket::isClosed);
        return open.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                open.add(socket);
                threads.submit(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (;;) {
                String body = readRequest(in);
                if (body == null) {
                    return; // the broker closed the connection
                }
                bodies.add(body);
                Mode now = mode;
                switch (now) {
                    case ANSWER -> answer(out);
                    case BLACK_HOLE -> {
                        drainUntilClosed(in);
                        return;
                    }
                    case STALL_MID_ANSWER -> {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                                + "{\"access_token\":\"stal").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        drainUntilClosed(in);
                        return;
                    }
                    case RESET_ONCE -> {
                        mode = Mode.ANSWER;
                        socket.setSoLinger(true, 0); // close() sends RST
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // the broker reset or closed the connection: what the test wants to see it do
        } finally {
            open.remove(socket);
        }
    }

    private void answer(OutputStream out) throws IOException {
        byte[] json = ("{\"access_token\":\"edge-" + tokens.incrementAndGet() + "-" + System.nanoTime()
                + "\",\"token_type\":\"Bearer\",\"expires_in\":" + lifetimeSeconds + "}").getBytes(StandardCharsets.US_ASCII);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
    }

    /** Reads until the peer closes: a black hole keeps the connection and answers nothing. */
    private static void drainUntilClosed(InputStream in) throws IOException {
        byte[] sink = new byte[4096];
        while (in.read(sink) >= 0) {
            // swallow
        }
    }

    /** One request's body (Content-Length framing, as Vert.x sends forms), or {@code null} at end of stream. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
