package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.forScope;
import static tokenbroker.testing.IdpStubs.requestsFor;

import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/** SPEC §4 "single flight": however many callers wait for a first token, one IdP request serves them all. */
@ApiBrokerTest
class SingleFlightTest extends OnFakeTime {

    private static final String RESOURCE = "single-flight";
    private static final String SCOPE = IdpStubs.BOOT_503 + RESOURCE;
    private static final int CALLERS = 200;



    @Test
    void token_200ConcurrentFirstRequests_makeOneIdpRequest() throws Exception {
        // The start-up prefetch failed (503): the slot is empty and backs off for 1 s of the broker's time.
        assertThat(Broker.awaitIdle(RESOURCE)).containsEntry("state", "failing").containsEntry("expires_on", null);
        // A slow IdP, so that the callers pile up behind the one request.
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("single", 3600).withFixedDelay(5000)));
        idp.resetRequests();
        Broker.pastBackoff(RESOURCE, clock);

        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            CountDownLatch ready = new CountDownLatch(CALLERS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> answers = new ArrayList<>();
            AtomicInteger waited = new AtomicInteger();
            for (int i = 0; i < CALLERS; i++) {
                answers.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    long started = System.nanoTime();
                    Response response = Broker.token(RESOURCE);
                    if (System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(500)) {
                        waited.incrementAndGet();
                    }
                    return response;
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();

            List<String> tokens = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response response = answer.get(60, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
                tokens.add(response.jsonPath().getString("access_token"));
            }
            assertThat(tokens).hasSize(CALLERS).allMatch(t -> t.startsWith("single-"));
            assertThat(tokens.stream().distinct()).hasSize(1);
            // Many callers arrived while the one request ran, and waited for it (rather than finding it cached);
            // a quarter is a floor that holds even on a loaded 2-core machine, where threads start slowly.
            assertThat(waited.get()).as("callers that waited for the IdP").isGreaterThanOrEqualTo(CALLERS / 4);
        } finally {
            pool.shutdownNow();
        }
        idp.verify(1, requestsFor(SCOPE));
    }
}
