package tokenbroker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tokenbroker.faults.FlappingIdpSoakTest.Answer;

/** The soak's invariants, checked over every recorded answer (sorted by when they were received). */
final class SoakChecks {

    /** Clocks of the test and the broker are the same wall clock, read at millisecond and microsecond precision. */
    private static final long CLOCK_SLACK_MS = 2;

    private SoakChecks() {
    }

    /**
     * Every token answer had at least {@code minServeMs} left, by the broker's word ({@code expires_in}) and by the
     * truth: the fake IdP wrote into each token the epoch millisecond it issued it, so its real expiry is that plus
     * the lifetime. One token always shows the same {@code expires_on}.
     */
    static void neverExpired(List<Answer> answers, long minServeMs, long lifetimeMs) {
        Map<String, Long> expiresOn = new HashMap<>();
        for (Answer a : answers) {
            if (a.status() != 200) {
                continue;
            }
            assertThat(a.expiresIn() * 1000).as("expires_in of %s", a).isGreaterThanOrEqualTo(minServeMs);
            assertThat(a.expiresOn() * 1000).as("expires_on of %s, at receipt", a).isGreaterThan(a.receivedAt());
            Long earlier = expiresOn.putIfAbsent(a.token(), a.expiresOn());
            assertThat(earlier == null ? a.expiresOn() : earlier).as("expires_on of one token, %s", a).isEqualTo(a.expiresOn());
            String[] parts = a.token().split("-");
            assertThat(parts).as("a token of the soak's IdP: %s", a).hasSize(3);
            long issuedAt = Long.parseLong(parts[1]);
            long realExpiry = issuedAt + lifetimeMs;
            assertThat(realExpiry - a.sentAt()).as("time really left when asked, %s", a)
                    .isGreaterThanOrEqualTo(minServeMs - CLOCK_SLACK_MS);
            assertThat(realExpiry).as("real expiry, at receipt of %s", a).isGreaterThan(a.receivedAt());
        }
    }

    /**
     * Every error is a 503 with {@code Retry-After}, and came when the broker held no servable token: the freshest
     * token any caller had received for that resource before the erroneous request was sent had less than
     * {@code minServeMs} left when the error arrived ({@code expires_on} is rounded down, so the broker's own
     * expiry is no earlier: an error despite {@code expires_on - received >= minServeMs} is certainly wrong).
     */
    static void errorsOnlyWithoutAServableToken(List<Answer> answers, long minServeMs) {
        Map<String, List<Answer>> successes = new HashMap<>();
        Map<String, List<Long>> freshest = new HashMap<>();
        for (Answer a : answers) {
            if (a.status() == 200) {
                List<Long> best = freshest.computeIfAbsent(a.resource(), r -> new ArrayList<>());
                best.add(Math.max(a.expiresOn(), best.isEmpty() ? Long.MIN_VALUE : best.get(best.size() - 1)));
                successes.computeIfAbsent(a.resource(), r -> new ArrayList<>()).add(a);
            }
        }
        for (Answer e : answers) {
            if (e.status() == 200) {
                continue;
            }
            assertThat(e.status()).as("an error other than 503: %s", e).isEqualTo(503);
            assertThat(e.retryAfter()).as("Retry-After of %s", e).matches("[1-9][0-9]*");
            List<Answer> before = successes.getOrDefault(e.resource(), List.of());
            int seen = countReceivedBefore(before, e.sentAt());
            if (seen > 0) {
                long best = freshest.get(e.resource()).get(seen - 1);
                // At most minServeMs: the broker's hot path reads a millisecond clock and stops serving up to a
                // millisecond early (docs/design.md), which the whole-second expires_on can show as exactly minServeMs.
                assertThat(best * 1000 - e.receivedAt()).as("an error while a token with that much left was held: %s", e)
                        .isLessThanOrEqualTo(minServeMs);
            }
        }
    }

    /**
     * SPEC §4, "a caller never waits on the IdP while a valid token is cached": an answer whose token some caller had
     * already received before this request was sent came from the cache (a caller that waits gets a new token), so
     * it took far less than the IdP's 2 s deadline, even while the IdP was slow.
     *
     * @return the latencies of those answers, for the summary line
     */
    static String cachedAnswersAreQuick(List<Answer> answers, long limitMs) {
        Map<String, Long> firstReceived = new HashMap<>();
        for (Answer a : answers) {
            if (a.status() == 200) {
                firstReceived.merge(a.token(), a.receivedAt(), Math::min);
            }
        }
        long[] latencies = answers.stream().filter(a -> a.status() == 200 && firstReceived.get(a.token()) < a.sentAt())
                .mapToLong(a -> a.receivedAt() - a.sentAt()).sorted().toArray();
        assertThat(latencies).as("answers from the cache").isNotEmpty();
        long max = latencies[latencies.length - 1];
        assertThat(max).as("slowest answer from the cache, ms").isLessThan(limitMs);
        return String.format("cached=%d p50=%dms p99=%dms max=%dms", latencies.length, latencies[latencies.length / 2],
                latencies[(int) (latencies.length * 0.99)], max);
    }

    private static int countReceivedBefore(List<Answer> sortedByReceipt, long instant) {
        int low = 0;
        int high = sortedByReceipt.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sortedByReceipt.get(mid).receivedAt() < instant) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
