package tokenbroker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP relay on 127.0.0.1 in front of Keycloak that a test can turn into a black hole: while {@link #freeze()}
 * holds, connections are still accepted and bytes are read into the socket buffers, but nothing is forwarded either
 * way, as with a network that swallows packets (issue 10). {@link #thaw()} lets everything held flow again, as
 * SIGCONT did for a stopped Keycloak. Only the broker's resources configured through it see the outage: Keycloak
 * itself, and every other resource, go on answering.
 */
final class BlackHoleRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final int upstreamPort;
    private final Object gate = new Object();
    private boolean frozen;

    private BlackHoleRelay(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a relay to {@code 127.0.0.1:upstreamPort} on a free port. */
    static BlackHoleRelay to(int upstreamPort) {
        try {
            return new BlackHoleRelay(upstreamPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    void freeze() {
        synchronized (gate) {
            frozen = true;
        }
    }

    void thaw() {
        synchronized (gate) {
            frozen = false;
            gate.notifyAll();
        }
    }

    @Override
    public void close() throws IOException {
        thaw();
        listener.close();
    }

    private void passGate() throws InterruptedException {
        synchronized (gate) {
            while (frozen) {
                gate.wait();
            }
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                start("relay-connect", () -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** A connection accepted while frozen reaches Keycloak only after the thaw. */
    private void connect(Socket client) {
        try {
            passGate();
            Socket upstream = new Socket();
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
            start("relay-up", () -> pump(client, upstream));
            pump(upstream, client);
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    /** Copies {@code from} to {@code to}, holding each chunk at the gate; closes both when either side ends. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0;) {
                passGate();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed or reset: the try closes the other
        }
    }

    private static void start(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
