package tokenbroker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tokenbroker.cache.TokenCache;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.FakeClock;
import tokenbroker.testing.IdpStubs;

/**
 * Walks one resource through fake time, as the scheduled sweep and a steady caller would: at each visited instant
 * it moves the clock, runs the sweep for this resource's slot, waits for any IdP request to finish, asks for a token, and
 * records which instants reached the IdP. The walk is event-driven: it visits every {@code step} only until the
 * first refresh (its instant is jittered, so unknown), and after that only where something may change, each
 * instant and the millisecond before it: the end of the slot's backoff, the instant the held token stops being
 * servable, and the end of the walk, with at most {@link #MAX_GAP} between visits. A refresh that came due
 * earlier than it should shows at the first tick after (a due slot stays due until a request starts). Every
 * answer is checked on the spot (SPEC §4):
 * <ul>
 * <li>a token answer has at least {@code min-serve-ttl} (10 s) left, and is the token the broker holds;</li>
 * <li>while the held token has 10 s or more left, the caller gets it, whatever the IdP does;</li>
 * <li>once it has less, the caller gets an error, 503 (retryable) or 502 (permanent), and no token.</li>
 * </ul>
 * Then {@link #assertBackedOff} checks the gaps between the IdP requests against the backoff.
 */
final class FakeTimeWalk {

    static final Duration MIN_SERVE_TTL = Duration.ofSeconds(10);
    /** The longest the walk goes between two visits once it follows events, so that callers are still sampled. */
    static final Duration MAX_GAP = Duration.ofSeconds(5);
    private static final Duration JUST_BEFORE = Duration.ofMillis(1);
    /**
     * Before the cut-off the walk looks 2 ms early: the hot path reads a millisecond clock and may stop serving a
     * millisecond early (docs/design.md), which {@link #check} allows.
     */
    private static final Duration BEFORE_CUT_OFF = Duration.ofMillis(2);

    /** One step that reached the IdP: when (fake time), and how many HTTP requests the IdP received. */
    record Attempt(Instant at, int wireRequests) {
    }

    private final WireMockServer idp;
    private final TokenCache cache;
    private final FakeClock clock;
    private final String resource;
    private final String scope;
    final List<Attempt> attempts = new ArrayList<>();
    final List<String> served = new ArrayList<>();
    int errors;
    /** The token the broker holds and when it expires, as the test knows them. */
    private String held;
    private Instant heldUntil;

    FakeTimeWalk(WireMockServer idp, TokenCache cache, FakeClock clock, String resource,
            String held, Instant heldUntil) {
        this.idp = idp;
        this.cache = cache;
        this.clock = clock;
        this.resource = resource;
        this.scope = IdpStubs.BOOT_503 + resource;
        this.held = held;
        this.heldUntil = heldUntil;
    }

    /**
     * Walks from {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param errorStatus what a caller gets once the held token is no longer servable: 503 or 502
     */
    FakeTimeWalk walk(Instant from, Instant to, Duration step, int errorStatus) {
        for (Instant t = from; t.isBefore(to); t = next(t, to, step)) {
            visit(t, errorStatus);
        }
        return this;
    }

    private void visit(Instant t, int errorStatus) {
        clock.set(t);
        int before = IdpStubs.count(idp, scope);
        cache.slot(resource).refreshIfDue(); // the sweep's share for this slot: other tests' slots stay put
        awaitIdle();
        Response answer = Broker.token(resource);
        awaitIdle();
        int after = IdpStubs.count(idp, scope);
        if (after > before) {
            attempts.add(new Attempt(t, after - before));
        }
        check(t, answer, errorStatus);
    }

    /** The next instant to visit after {@code t}: see the class comment. */
    private Instant next(Instant t, Instant to, Duration step) {
        if (attempts.isEmpty()) {
            return t.plus(step);
        }
        List<Instant> candidates = new ArrayList<>(List.of(t.plus(MAX_GAP), to.minus(JUST_BEFORE), to));
        Instant retryAt = cache.slot(resource).status().retryAt();
        if (retryAt != null) {
            candidates.addAll(List.of(retryAt.minus(JUST_BEFORE), retryAt));
        }
        Instant cutOff = heldUntil.minus(MIN_SERVE_TTL);
        candidates.addAll(List.of(cutOff.minus(BEFORE_CUT_OFF), cutOff));
        return candidates.stream().filter(t::isBefore).min(Instant::compareTo).orElseThrow();
    }

    private void check(Instant t, Response answer, int errorStatus) {
        String at = "at " + Duration.between(heldUntil, t).toMillis() / 1000.0 + " s from the held token's expiry: "
                + answer.asString();
        if (answer.statusCode() == 200) {
            long expiresIn = answer.jsonPath().getLong("expires_in");
            long expiresOn = answer.jsonPath().getLong("expires_on");
            assertThat(expiresIn).as("expires_in " + at).isGreaterThanOrEqualTo(MIN_SERVE_TTL.toSeconds());
            assertThat(expiresOn - t.getEpochSecond()).as("expires_on " + at).isGreaterThanOrEqualTo(MIN_SERVE_TTL.toSeconds());
            String token = answer.jsonPath().getString("access_token");
            if (!token.equals(held)) {
                // A refresh succeeded: from now on the test holds the new token.
                held = token;
                heldUntil = Instant.ofEpochSecond(expiresOn);
            }
            served.add(token);
            return;
        }
        errors++;
        assertThat(answer.statusCode()).as(at).isEqualTo(errorStatus);
        assertThat(answer.jsonPath().getMap("")).as(at).containsOnlyKeys("error", "error_description");
        if (errorStatus == 503) {
            assertThat(answer.getHeader("Retry-After")).as(at).matches("[1-9][0-9]*");
        }
        // heldUntil is never later than the broker's expiry (expires_on is rounded down). The hot path reads a
        // millisecond clock and stops serving up to a millisecond early (docs/design.md): an error is wrong only
        // with more than min-serve-ttl plus that millisecond left.
        assertThat(t.plus(MIN_SERVE_TTL).plusMillis(1)).as("an error while the held token was servable, " + at).isAfter(heldUntil);
    }

    /**
     * The gaps between IdP requests, in fake time, are what SPEC §4 allows after that many failures in a row: at
     * least 1 s (or {@code floor}, the IdP's {@code Retry-After}), at most the backoff's ceiling {@code 2^(n-1)} s
     * (at most 60 s) plus one step: the broker neither hammers the IdP nor forgets to come back.
     *
     * @param permanent whether the failures are permanent: then every gap is the slowest pace, 60 s
     */
    void assertBackedOff(Duration step, Duration floor, boolean permanent) {
        System.out.printf("FakeTimeWalk: %s: IdP requests at %s; %d error answers%n", resource, attempts.stream()
                .map(a -> "+" + Duration.between(attempts.get(0).at(), a.at()).toMillis() / 1000.0 + "s"
                        + (a.wireRequests() > 1 ? "(x" + a.wireRequests() + ")" : ""))
                .toList(), errors);
        for (int k = 1; k < attempts.size(); k++) {
            Duration gap = Duration.between(attempts.get(k - 1).at(), attempts.get(k).at());
            Duration ceiling = permanent ? Duration.ofSeconds(60) : Duration.ofSeconds(Math.min(60, 1L << Math.min(k - 1, 6)));
            Duration lower = permanent ? Duration.ofSeconds(60) : Duration.ofSeconds(1);
            if (floor != null && floor.compareTo(lower) > 0) {
                lower = floor;
            }
            if (floor != null && floor.compareTo(ceiling) > 0) {
                ceiling = floor;
            }
            assertThat(gap).as("gap before IdP request %d of %s (%s)", k + 1, resource, attempts)
                    .isBetween(lower, ceiling.plus(step));
        }
    }

    /** How many HTTP requests each attempt made, at most (quarkus-oidc-client retries a reset connection once). */
    int maxWireRequestsPerAttempt() {
        return attempts.stream().mapToInt(Attempt::wireRequests).max().orElse(0);
    }

    Map<String, Object> entry() {
        return Broker.resource(resource);
    }

    void awaitIdle() {
        Eventually.until(resource + " to be idle", Duration.ofSeconds(20),
                () -> !cache.slot(resource).status().state().equals("refreshing"));
    }
}
