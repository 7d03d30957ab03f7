package tokenbroker.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.TokenCache;

/**
 * Bodies stream through a route with flat memory (SPEC §3.4): 512 MiB up and 512 MiB down, byte-identical (SHA-256
 * at both ends), while the live heap of this JVM (the broker's, the test's and the upstream's together) grows by far
 * less than one body. Live heap is what survives a full GC, sampled every second during the transfer, after a first small exchange has filled Netty's
 * buffer pools.
 * The size can be lowered for a quick run: {@code -Dproxy.stream.mib=64}.
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class ProxyStreamingTest {

    private static final long SIZE = Long.getLong("proxy.stream.mib", 512) * 1024 * 1024;
    private static final long WARM_UP = 16L * 1024 * 1024;
    /**
     * A sixteenth of one body, the bound for RSS under 64 streams: a proxy that buffered a body would be
     * 512 MiB over. Measured on 2026-12-02: +1 MiB for 512 MiB each way (the upload through the JDK client, the
     * download read from a bare socket).
     */
    private static final long HEAP_GROWTH_LIMIT = 32L * 1024 * 1024;
    /** A bound, not an expectation: a few seconds on an idle machine, minutes on a loaded one. */
    private static final Duration LIMIT = Duration.ofMinutes(10);

    @Inject
    ProxyServers servers;

    @Inject
    TokenCache cache;

    @Test
    void bodiesOf512MiB_streamBothWays_byteIdentical_withFlatHeap() throws Exception {
        // A small exchange first: Netty's buffer pools and the TLS engines fill once, whatever the body's size.
        upAndDown(7, WARM_UP);
        try (HeapWatch heap = new HeapWatch()) {
            long started = System.nanoTime();
            upAndDown(42, SIZE);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("proxy streaming: 2 x %d MiB in %d ms, live heap %d MiB at start, at most %d MiB%n",
                    SIZE >> 20, took.toMillis(), heap.baseline / (1 << 20), heap.max.get() / (1 << 20));
            assertThat(heap.max.get() - heap.baseline).as("live heap growth while streaming").isLessThan(HEAP_GROWTH_LIMIT);
        }
    }

    @Test
    void anAnswerCutShort_isNeverPassedOnAsComplete() throws IOException {
        // Small (read whole before it is written): nothing has left, so the broker answers 502 upstream_interrupted.
        String small = cut(1000, 400);
        assertThat(small).startsWith("HTTP/1.1 502").containsIgnoringCase("x-token-broker-error: true")
                .contains("\"error\":\"upstream_interrupted\"");
        // Streamed: the head has left with the first bytes; the caller's connection closes before the declared end.
        long streamed = 1 << 20;
        assertThat(Exchange.SMALL_BODY).isLessThan(256 << 10);
        String big = cut(streamed, 256 << 10);
        assertThat(big).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + streamed);
        assertThat(big.length() - big.indexOf("\r\n\r\n") - 4).isLessThan((int) streamed);
    }

    /** Everything a caller reads, up to the connection's close, for an upstream answer of {@code bytes} cut after {@code send}. */
    private String cut(long bytes, int send) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", servers.port("stream"))) {
            socket.setSoTimeout(30_000); // a broker that kept the connection open would fail here, not hang
            socket.getOutputStream().write(("GET /big/cut?bytes=" + bytes + "&send=" + send + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-IDENTITY-HEADER: " + ProxyStack.secret(ProxyStack.APP) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private void upAndDown(long seed, long size) {
        String expected = sha256(new Generated(seed, size));
        HttpResponse<String> upload = Routes.send(Routes.request(servers.port("stream"), "/big/upload").timeout(LIMIT)
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(seed, size)), size)).build());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        assertThat(upload.body()).isEqualTo("{\"sha256\":\"" + expected + "\",\"bytes\":" + size + "}");
        assertThat(ProxyStack.streaming.lastAuthorization.get()).isEqualTo("Bearer " + cache.slot("proxy-main").servable().value());

        // A bare socket, not java.net.http: the JDK client buffered the answer ahead of a slower reader here (the live
        // heap followed the body), which would measure the client, not the broker.
        try (Socket socket = new Socket("127.0.0.1", servers.port("stream"))) {
            socket.getOutputStream().write(("GET /big/download?seed=" + seed + "&bytes=" + size + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-IDENTITY-HEADER: " + ProxyStack.secret(ProxyStack.APP) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + size);
            assertThat(sha256(in)).isEqualTo(expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("no answer: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static String sha256(InputStream in) {
        MessageDigest digest = StreamingUpstream.sha256();
        byte[] buffer = new byte[64 * 1024];
        try (in) {
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Samples the live heap (after a full GC) every 250 ms until closed. */
    private static final class HeapWatch implements AutoCloseable {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final long baseline;
        final AtomicLong max = new AtomicLong();
        private final Thread sampler;
        private volatile boolean running = true;

        HeapWatch() {
            baseline = live();
            max.set(baseline);
            sampler = new Thread(() -> {
                while (running) {
                    long now = live();
                    max.accumulateAndGet(now, Math::max);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-watch");
            sampler.setDaemon(true);
            sampler.start();
        }

        private long live() {
            System.gc();
            return memory.getHeapMemoryUsage().getUsed();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            sampler.interrupt();
            sampler.join(5_000);
            max.accumulateAndGet(live(), Math::max);
        }
    }
}
