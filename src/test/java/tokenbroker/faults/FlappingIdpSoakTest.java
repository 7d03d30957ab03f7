package tokenbroker.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tokenbroker.metrics.Scrape;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.InjectWireMock;

/**
 * A soak on the real clock with the scheduled sweep on (every 200 ms): {@value #CALLERS} callers ask for tokens in
 * a loop while the IdP flaps every few seconds between healthy, 503, 429 with {@code Retry-After: 2}, answers
 * later than the 2 s deadline, and reset connections. Tokens live 20 s, {@code min-serve-ttl} is 5 s and the
 * backoff at most 3 s ({@link FaultyIdp#SOAK}). Every answer is recorded, and afterwards:
 * <ul>
 * <li>no token was served expired or with less than 5 s left: by what the broker said ({@code expires_in},
 * {@code expires_on}) and by the truth (the fake IdP writes the instant it issued each token into it);</li>
 * <li>no caller got an error while the broker held a servable token: an error is allowed only when the freshest
 * token any caller had seen had less than 5 s left;</li>
 * <li>an answer from the cache never took long (the caller did not wait for the slow IdP);</li>
 * <li>the IdP saw fewer than {@value #MAX_IDP_CALLS_PER_SECOND} requests a second on average;</li>
 * <li>once the IdP is healthy for good, every resource is {@code fresh} again and callers get tokens.</li>
 * </ul>
 * 30 s by default: a first round that goes through every fault mode once (3 s each, 2 s healthy between), the
 * final healthy seconds, and a little of the random rounds; the long soak, whose random rounds also put faults back
 * to back until tokens run out, is {@code -Dsoak.seconds=600} (TESTING.md); {@code -Dsoak.seed=N} replays a
 * flapping sequence.
 */
@QuarkusTest
@WithTestResource(value = FaultyIdp.class, initArgs = @ResourceArg(name = FaultyIdp.SETUP, value = FaultyIdp.SOAK))
class FlappingIdpSoakTest {

    static final Duration DURATION = Duration.ofSeconds(Long.getLong("soak.seconds", 30));
    static final int CALLERS = 16;
    static final long MIN_SERVE_TTL_MS = 5_000;
    static final double MAX_IDP_CALLS_PER_SECOND = 3.0;
    /** The IdP stays healthy for this long at the end, for the recovery check. */
    private static final Duration FINAL_HEALTHY = Duration.ofSeconds(8);
    /** The first round: each fault for 3 s (longer than the 2 s deadline, for SLOW), healthy for 2 s after each. */
    private static final long FIRST_FAULT_MS = 3_000;
    private static final long FIRST_HEALTHY_MS = 2_000;
    private static final Duration FIRST_ROUND = Duration.ofMillis((FIRST_FAULT_MS + FIRST_HEALTHY_MS) * (Mode.values().length - 1));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID FLAP_STUB = UUID.randomUUID();

    @InjectWireMock
    WireMockServer idp;

    @TestHTTPResource("/")
    URL root;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    /** One answer to one caller: when it was asked and answered (epoch ms), and what it said. */
    record Answer(String resource, long sentAt, long receivedAt, int status, String token, long expiresIn, long expiresOn,
            String retryAfter) {
    }

    enum Mode {
        HEALTHY, UNAVAILABLE_503, THROTTLED_429, SLOW, RESET;

        ResponseDefinitionBuilder answer() {
            return switch (this) {
                case HEALTHY -> FaultyIdp.soakToken();
                case UNAVAILABLE_503 -> IdpStubs.oauthError(503, "temporarily_unavailable", "flapping");
                case THROTTLED_429 -> IdpStubs.oauthError(429, "slow_down", "flapping").withHeader("Retry-After", "2");
                case SLOW -> FaultyIdp.soakToken().withFixedDelay(3000); // the broker's deadline is 2 s
                case RESET -> WireMock.aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
            };
        }
    }

    @Test
    void tokens_whileTheIdpFlaps_neverExpired_noNeedlessErrors_boundedIdpLoad_recovered() throws Exception {
        for (String resource : FaultyIdp.SOAK_RESOURCES) {
            Eventually.until(resource + " fresh", Duration.ofSeconds(20), () -> "fresh".equals(Broker.state(resource)));
        }
        long seed = Long.getLong("soak.seed", System.nanoTime());
        idp.resetRequests();
        Scrape before = Scrape.of(metrics);
        long start = System.currentTimeMillis();
        long end = start + DURATION.toMillis();

        List<Answer> answers = Collections.synchronizedList(new ArrayList<>(400_000));
        Map<Mode, Integer> phases = new ConcurrentHashMap<>();
        List<Phase> timeline = Collections.synchronizedList(new ArrayList<>());
        Thread flapper = new Thread(() -> flap(new Random(seed), end - FINAL_HEALTHY.toMillis(), phases, timeline), "idp-flapper");
        flapper.start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            Thread caller = new Thread(() -> call(client, end, answers), "caller-" + i);
            callers.add(caller);
            caller.start();
        }
        for (Thread caller : callers) {
            caller.join(DURATION.toMillis() + 60_000);
        }
        flapper.join(10_000);
        long elapsed = System.currentTimeMillis() - start;

        int idpCalls = idp.getAllServeEvents().size();
        Scrape after = Scrape.of(metrics);
        String idpRequests = "broker_idp_requests_total";
        double refreshes = after.sum(idpRequests, "outcome", "ok") - before.sum(idpRequests, "outcome", "ok");
        double attempts = after.sum(idpRequests) - before.sum(idpRequests);
        long successes = answers.stream().filter(a -> a.status() == 200).count();
        long unavailable = answers.stream().filter(a -> a.status() == 503).count();
        System.out.printf("FlappingIdpSoakTest: seed=%d duration=%.1fs requests=%d successes=%d 503s=%d other=%d idp_calls=%d "
                + "(%.2f/s) broker_attempts=%.0f refreshes=%.0f phases=%s%n", seed, elapsed / 1000.0, answers.size(), successes,
                unavailable, answers.size() - successes - unavailable, idpCalls, idpCalls * 1000.0 / elapsed, attempts, refreshes,
                phases);

        assertThat((long) answers.size()).as("requests made").isGreaterThan(CALLERS * DURATION.toSeconds());
        List<Answer> sorted = new ArrayList<>(answers);
        sorted.sort((a, b) -> Long.compare(a.receivedAt(), b.receivedAt()));
        SoakChecks.neverExpired(sorted, MIN_SERVE_TTL_MS, FaultyIdp.SOAK_LIFETIME_SECONDS * 1000);
        SoakChecks.errorsOnlyWithoutAServableToken(sorted, MIN_SERVE_TTL_MS);
        String latency = SoakChecks.cachedAnswersAreQuick(sorted, 1_500);
        System.out.println("FlappingIdpSoakTest: latency of answers from the cache: " + latency);
        assertThat(idpCalls * 1000.0 / elapsed).as("IdP calls per second").isLessThan(MAX_IDP_CALLS_PER_SECOND);
        if (DURATION.compareTo(FIRST_ROUND.plus(FINAL_HEALTHY)) >= 0) { // a quicker run does not get through them all
            assertThat(phases.keySet()).as("the IdP went through every mode").containsExactlyInAnyOrder(Mode.values());
            assertThat(modesMet(timeline)).as("modes in which the broker's requests reached the IdP")
                    .containsExactlyInAnyOrder(Mode.values());
        }
        // Recovered: healthy for the last seconds, every resource fresh, the last answers all tokens.
        for (String resource : FaultyIdp.SOAK_RESOURCES) {
            assertThat(Broker.state(resource)).as(resource).isEqualTo("fresh");
            Broker.token(resource).then().statusCode(200);
        }
        assertThat(sorted.stream().filter(a -> a.sentAt() > end - 2_000)).as("answers of the last 2 s")
                .isNotEmpty().allMatch(a -> a.status() == 200);
    }

    /** One mode of the IdP, from {@code startMs} (epoch ms) until the next phase. */
    record Phase(long startMs, Mode mode) {
    }

    /** The modes the IdP was in when it received a token request. */
    private Set<Mode> modesMet(List<Phase> timeline) {
        Set<Mode> met = EnumSet.noneOf(Mode.class);
        List<Phase> phases = List.copyOf(timeline);
        for (var event : idp.getAllServeEvents()) {
            long at = event.getRequest().getLoggedDate().getTime();
            phases.stream().filter(p -> p.startMs() <= at).reduce((a, b) -> b).ifPresent(p -> met.add(p.mode()));
        }
        return met;
    }

    /**
     * Switches the IdP's mode every few seconds until {@code until}, then leaves it healthy. In the first round each
     * fault starts with a forced refresh of one resource (force-interval is 2 s in this setup), so that the broker
     * meets every fault even in the short run: its own refreshes, at half-life, fall into a 3 s fault only by chance.
     */
    private void flap(Random random, long until, Map<Mode, Integer> phases, List<Phase> timeline) {
        HttpClient forcer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Mode> faults = new ArrayList<>(List.of(Mode.UNAVAILABLE_503, Mode.THROTTLED_429, Mode.SLOW, Mode.RESET));
        idp.stubFor(post(urlPathMatching("/(.*/)?token")).withId(FLAP_STUB).atPriority(1).willReturn(Mode.HEALTHY.answer()));
        int fault = 0;
        boolean healthy = true;
        try {
            while (System.currentTimeMillis() < until) {
                // The first round: faulty and healthy in turn, each fault once. Then healthy and faulty in turn at
                // random lengths; now and then two faults back to back, long enough for tokens to run out.
                boolean firstRound = fault < faults.size() || (fault == faults.size() && !healthy);
                healthy = !healthy && (firstRound || random.nextInt(4) != 0);
                Mode mode = Mode.HEALTHY;
                if (!healthy) {
                    if (fault % faults.size() == 0) {
                        Collections.shuffle(faults, random);
                    }
                    mode = faults.get(fault++ % faults.size());
                }
                phases.merge(mode, 1, Integer::sum);
                timeline.add(new Phase(System.currentTimeMillis(), mode));
                idp.editStub(post(urlPathMatching("/(.*/)?token")).withId(FLAP_STUB).atPriority(1).willReturn(mode.answer()));
                if (firstRound && !healthy) {
                    String resource = FaultyIdp.SOAK_RESOURCES[fault % FaultyIdp.SOAK_RESOURCES.length];
                    forcer.sendAsync(HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + "/v1/tokens/"
                            + resource + "?force_refresh=true")).header("Metadata", "true").timeout(Duration.ofSeconds(10))
                            .GET().build(), HttpResponse.BodyHandlers.discarding());
                }
                long phase = firstRound ? (healthy ? FIRST_HEALTHY_MS : FIRST_FAULT_MS)
                        : healthy ? 2_000 + random.nextInt(4_000) : 3_000 + random.nextInt(5_000);
                TimeUnit.MILLISECONDS.sleep(Math.min(phase, Math.max(0, until - System.currentTimeMillis())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            idp.editStub(post(urlPathMatching("/(.*/)?token")).withId(FLAP_STUB).atPriority(1).willReturn(Mode.HEALTHY.answer()));
        }
    }

    /** One caller: asks for a random resource in a loop, with small random pauses, recording every answer. */
    private void call(HttpClient client, long until, List<Answer> answers) {
        List<Answer> mine = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            while (System.currentTimeMillis() < until) {
                String resource = FaultyIdp.SOAK_RESOURCES[random.nextInt(FaultyIdp.SOAK_RESOURCES.length)];
                URI uri = URI.create(root.toString().replaceAll("/$", "") + "/v1/tokens/" + resource);
                HttpRequest request = HttpRequest.newBuilder(uri).header("Metadata", "true").timeout(Duration.ofSeconds(10))
                        .GET().build();
                long sentAt = System.currentTimeMillis();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                long receivedAt = System.currentTimeMillis();
                mine.add(answer(resource, sentAt, receivedAt, response));
                TimeUnit.MILLISECONDS.sleep(random.nextInt(6));
            }
        } catch (IOException e) {
            mine.add(new Answer("(transport)", System.currentTimeMillis(), System.currentTimeMillis(), -1, e.toString(), 0, 0, null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            answers.addAll(mine);
        }
    }

    private static Answer answer(String resource, long sentAt, long receivedAt, HttpResponse<String> response) throws IOException {
        String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
        if (response.statusCode() != 200) {
            return new Answer(resource, sentAt, receivedAt, response.statusCode(), null, 0, 0, retryAfter);
        }
        JsonNode body = JSON.readTree(response.body());
        return new Answer(resource, sentAt, receivedAt, 200, body.path("access_token").asText().intern(),
                body.path("expires_in").asLong(), body.path("expires_on").asLong(), retryAfter);
    }
}
