package tokenbroker.shutdown;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A WireMock transformer that holds the answers of the stubs naming it until the test releases them: an IdP that
 * answers exactly when the test wants, with no race against a JVM starting on a busy machine. Never holds longer
 * than {@link #LIMIT}, so that a failed test cannot leave WireMock's threads blocked.
 *
 * <pre>{@code
 * HeldAnswer held = new HeldAnswer();
 * WireMockServer idp = new WireMockServer(options().dynamicPort().extensions(held));
 * idp.stubFor(post("/token").willReturn(okJson("{...}").withTransformers(HeldAnswer.NAME)));
 * ... held.awaitArrival(Duration.ofSeconds(30)); ... held.release();
 * }</pre>
 */
final class HeldAnswer implements ResponseDefinitionTransformerV2 {

    static final String NAME = "held-answer";
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** Replaced by {@link #reset()} between tests; counted down by WireMock's threads and the test. */
    private volatile CountDownLatch arrived = new CountDownLatch(1);
    private volatile CountDownLatch released = new CountDownLatch(1);

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        CountDownLatch release = released;
        arrived.countDown();
        try {
            release.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return serveEvent.getResponseDefinition();
    }

    /** Waits until a held request has arrived; {@code false} after {@code timeout}. */
    boolean awaitArrival(Duration timeout) throws InterruptedException {
        return arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets every held answer go, and every later one pass at once (until {@link #reset()}). */
    void release() {
        released.countDown();
    }

    /** Holds again, and forgets arrivals: for the next test. */
    void reset() {
        release();
        arrived = new CountDownLatch(1);
        released = new CountDownLatch(1);
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }
}
