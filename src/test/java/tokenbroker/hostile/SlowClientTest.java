package tokenbroker.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tokenbroker.hostile.HostileProfile.IDLE_TIMEOUT_SECONDS;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.WireMockIdp;

/**
 * Clients that hold a connection without finishing a request (slow-loris), and TLS clients on the plain port: the
 * broker closes the connection within its idle timeout (2 s in this profile, 60 s in production, where Quarkus'
 * default would be 30 minutes), and a TLS handshake fails at once instead of hanging.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.HOSTILE))
class SlowClientTest {

    /** The longest a stalled connection may live: the idle timeout, and slack for a busy machine. */
    private static final Duration BOUND = Duration.ofSeconds(IDLE_TIMEOUT_SECONDS + 8);

    /** A client that sends {@code bytes} and then nothing. */
    record Stall(String name, String bytes) {
    }

    /** How a stall ended: whether the server closed the connection, after how long, and what it sent. */
    record Outcome(Stall stall, boolean closed, Duration after, String received) {
    }

    static final List<Stall> STALLS = List.of(
            new Stall("nothing sent", ""),
            new Stall("half a request line", "GET /v1/tok"),
            new Stall("a request line without its end", "GET /v1/tokens/hostile HTTP/1.1"),
            new Stall("headers without the blank line", "GET /v1/tokens/hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata: true\r\n"),
            new Stall("a TLS record header and the start of a ClientHello",
                    "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"));

    @Test
    void stalledConnections_areClosedByTheIdleTimeout() {
        // All at once, so that the test takes one idle timeout, not five.
        ExecutorService threads = Executors.newFixedThreadPool(STALLS.size());
        List<CompletableFuture<Outcome>> running = new ArrayList<>();
        for (Stall stall : STALLS) {
            running.add(CompletableFuture.supplyAsync(() -> stall(stall), threads));
        }
        threads.shutdown();
        for (CompletableFuture<Outcome> future : running) {
            Outcome outcome = future.join();
            String what = outcome.stall().name();
            assertThat(outcome.closed()).as("%s: still open after %s", what, BOUND).isTrue();
            // Not closed at once for some other reason: the idle timeout did it (Vert.x checks it about every 0.5 s).
            assertThat(outcome.after()).as(what).isGreaterThan(Duration.ofMillis(IDLE_TIMEOUT_SECONDS * 1000L - 600));
            assertThat(outcome.received()).as("%s: answered %s", what, outcome.received())
                    .doesNotContain("access_token").doesNotContainPattern("^HTTP/\\S+ 5");
        }
    }

    @Test
    void keptAliveConnection_isClosedByTheIdleTimeout() {
        Outcome outcome = stall(new Stall("an answered request, then nothing",
                "GET /v1/tokens/hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata: true\r\n\r\n"));
        assertThat(outcome.received()).startsWith("HTTP/1.1 200 ");
        assertThat(outcome.closed()).as("kept alive beyond %s", BOUND).isTrue();
    }

    @Test
    void tlsHandshake_onThePlainPort_failsAtOnce() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] { new TrustingEveryone() }, new SecureRandom());
        long start = System.nanoTime();
        try (Socket plain = connect(); SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost",
                RestAssured.port, true)) {
            socket.setSoTimeout((int) BOUND.toMillis());
            // A real ClientHello holds a line feed (the supported_groups extension is type 0x000a): Vert.x answers a
            // bare 400 to the 'request line' before it, which the client cannot read as TLS.
            assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class)
                    .isNotInstanceOf(SocketTimeoutException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(IDLE_TIMEOUT_SECONDS));
    }

    /**
     * HTTP/1.1 only (application.properties; Quarkus would speak HTTP/2 over cleartext): an {@code Upgrade: h2c}
     * request is answered in HTTP/1.1, not switched, and a client that starts with the HTTP/2 preface gets no
     * HTTP/2 frames. The production idle timeout (60 s) is checked on the packaged broker, by
     * {@code it/BrokerWithKeycloakIT}.
     */
    @Test
    void http2_isNotSpoken_neitherByUpgradeNorByPriorKnowledge() {
        RawHttp.Answer upgrade = RawHttp.exchange(RestAssured.port, "GET /v1/tokens/" + HostileProfile.RESOURCE
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata: true\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", Duration.ZERO);
        assertThat(upgrade.statusLine()).as(upgrade.toString()).startsWith("HTTP/1.1 200 ");
        assertThat(upgrade.header("upgrade")).isNull();

        RawHttp.Answer preface = RawHttp.exchange(RestAssured.port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Duration.ZERO);
        // An HTTP/2 server would answer with a binary SETTINGS frame; HTTP/1 reads a request of version 2.0 and
        // refuses it, in text (Vert.x echoes the version in its status line).
        assertThat(preface.status()).as(preface.toString()).isEqualTo(400);
        assertThat(preface.body()).contains("invalid_request");
    }

    private static Outcome stall(Stall stall) {
        long start = System.nanoTime();
        try (Socket socket = connect()) {
            socket.getOutputStream().write(stall.bytes().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.setSoTimeout((int) BOUND.toMillis());
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            boolean closed;
            try {
                int n;
                while ((n = socket.getInputStream().read(buffer)) >= 0) {
                    received.write(buffer, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (IOException e) {
                closed = true; // reset
            }
            return new Outcome(stall, closed, Duration.ofNanos(System.nanoTime() - start),
                    received.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new AssertionError(stall.name(), e);
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", RestAssured.port), 5_000);
        return socket;
    }

    /** The handshake must fail for want of TLS on the other side, not for an untrusted certificate. */
    private static final class TrustingEveryone implements X509TrustManager {
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
