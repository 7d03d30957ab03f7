package tokenbroker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link RefreshPolicy} over many random lifetimes (a seeded {@link Random} stands in for jqwik,
 * which is not available): each failure names the case so that it can be replayed.
 */
class RefreshPolicyTests {

    private static final int CASES = 5_000;
    private static final Instant OBTAINED = Instant.parse("2025-11-24T10:00:00Z");
    private static final Duration[] MIN_SERVE_TTLS = { Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(15), Duration.ofMinutes(1) };

    @Test
    void refreshAt_forEveryLifetimeAboveMinServeTtl_fallsInTheServableWindow() {
        Random random = new Random(20251124);
        for (int i = 0; i < CASES; i++) {
            Duration minServeTtl = minServeTtl(random);
            Duration lifetime = minServeTtl.plus(lifetimeAbove(random));
            Duration refreshIn = random.nextInt(3) == 0 ? Duration.ofSeconds(random.nextInt(100_000)) : null;
            double r = random.nextDouble();
            AccessToken token = token(lifetime, refreshIn);

            Instant at = new RefreshPolicy(minServeTtl, RefreshPolicy.DEFAULT_JITTER).refreshAt(token, r);

            String name = "case " + i + ": lifetime " + lifetime + ", min " + minServeTtl + ", refresh_in " + refreshIn + ", r " + r;
            Instant lastServable = token.expiresAt().minus(minServeTtl);
            assertThat(at).as(name).isAfterOrEqualTo(OBTAINED).isBefore(lastServable);
            if (lifetime.minus(minServeTtl).toMillis() >= 2) {
                assertThat(at).as(name).isAfter(OBTAINED);
            }
            // At least a quarter of the servable window is left for the refresh and its retries.
            long leftMs = Duration.between(at, lastServable).toMillis();
            assertThat(leftMs * 4).as(name).isGreaterThanOrEqualTo(lifetime.minus(minServeTtl).toMillis());
        }
    }

    @Test
    void refreshAt_withRandomOneHalf_isHalfTheLifetimeWhenThatIsServable() {
        Random random = new Random(7);
        int checked = 0;
        for (int i = 0; i < CASES; i++) {
            Duration minServeTtl = minServeTtl(random);
            Duration lifetime = minServeTtl.plus(lifetimeAbove(random));
            AccessToken token = token(lifetime, null);

            Instant at = new RefreshPolicy(minServeTtl, RefreshPolicy.DEFAULT_JITTER).refreshAt(token, 0.5);

            long halfMs = lifetime.toMillis() / 2;
            long latestMs = (lifetime.toMillis() - minServeTtl.toMillis()) * 3 / 4;
            String name = "case " + i + ": lifetime " + lifetime + ", min " + minServeTtl;
            if (halfMs <= latestMs) {
                assertThat(at).as(name).isEqualTo(OBTAINED.plusMillis(halfMs));
                checked++;
            } else {
                assertThat(at).as(name).isEqualTo(OBTAINED.plusMillis(latestMs));
            }
        }
        assertThat(checked).isGreaterThan(CASES / 2);
    }

    @Test
    void refreshAt_jitter_staysWithinTenPercentAndSpansIt() {
        Random random = new Random(42);
        for (int i = 0; i < CASES; i++) {
            Duration lifetime = Duration.ofSeconds(60 + random.nextInt(7 * 86_400));
            Duration minServeTtl = Duration.ofSeconds(10);
            AccessToken token = token(lifetime, null);
            RefreshPolicy policy = new RefreshPolicy(minServeTtl, RefreshPolicy.DEFAULT_JITTER);
            double r = random.nextDouble();

            long offsetMs = Duration.between(OBTAINED, policy.refreshAt(token, r)).toMillis();

            long nominalMs = lifetime.toMillis() / 2;
            String name = "case " + i + ": lifetime " + lifetime + ", r " + r;
            assertThat((double) offsetMs).as(name).isBetween(nominalMs * 0.9 - 0.5, nominalMs * 1.1 + 0.5);
            assertThat((double) offsetMs).as(name).isCloseTo(nominalMs * (1 + 0.1 * (2 * r - 1)), org.assertj.core.data.Offset.offset(0.5));
        }
        AccessToken hour = token(Duration.ofHours(1), null);
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER);
        assertThat(policy.refreshAt(hour, 0.0)).isEqualTo(OBTAINED.plus(Duration.ofMinutes(27)));
        assertThat(policy.refreshAt(hour, Math.nextDown(1.0))).isEqualTo(OBTAINED.plus(Duration.ofMinutes(33)));
    }

    @Test
    void refreshAt_growsWithTheRandomNumber() {
        Random random = new Random(3);
        for (int i = 0; i < CASES; i++) {
            Duration minServeTtl = minServeTtl(random);
            AccessToken token = token(minServeTtl.plus(lifetimeAbove(random)), null);
            RefreshPolicy policy = new RefreshPolicy(minServeTtl, RefreshPolicy.DEFAULT_JITTER);
            double a = random.nextDouble();
            double b = random.nextDouble();

            assertThat(policy.refreshAt(token, Math.min(a, b))).as("case %d", i).isBeforeOrEqualTo(policy.refreshAt(token, Math.max(a, b)));
        }
    }

    @Test
    void refreshAt_refreshInShorterThanLifetime_isHonoured() {
        Random random = new Random(11);
        for (int i = 0; i < CASES; i++) {
            Duration lifetime = Duration.ofSeconds(120 + random.nextInt(2 * 86_400));
            Duration refreshIn = Duration.ofSeconds(1 + random.nextInt((int) lifetime.toSeconds() - 1));
            Duration minServeTtl = Duration.ofSeconds(10);
            AccessToken token = token(lifetime, refreshIn);
            RefreshPolicy policy = new RefreshPolicy(minServeTtl, RefreshPolicy.DEFAULT_JITTER);

            long offsetMs = Duration.between(OBTAINED, policy.refreshAt(token, 0.5)).toMillis();

            long latestMs = (lifetime.toMillis() - minServeTtl.toMillis()) * 3 / 4;
            assertThat(offsetMs).as("case %d: lifetime %s, refresh_in %s", i, lifetime, refreshIn)
                    .isEqualTo(Math.min(refreshIn.toMillis(), latestMs));
        }
    }

    @Test
    void refreshAt_entraDayLongTokenWithRefreshIn_refreshesAroundRefreshIn() {
        // Entra sends refresh_in (half of expires_in) with its long-lived tokens.
        AccessToken token = token(Duration.ofSeconds(86_399), Duration.ofSeconds(43_199));
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER);

        assertThat(policy.refreshAt(token, 0.5)).isEqualTo(OBTAINED.plusSeconds(43_199));
        assertThat(policy.refreshAt(token, 0.0)).isEqualTo(OBTAINED.plusMillis(Math.round(43_199_000 * 0.9)));
    }

    @Test
    void refreshAt_refreshInNotShorterThanLifetimeOrNotPositive_isIgnored() {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER);
        for (Duration refreshIn : new Duration[] { Duration.ofHours(1), Duration.ofHours(2), Duration.ZERO, Duration.ofSeconds(-5) }) {
            assertThat(policy.refreshAt(token(Duration.ofHours(1), refreshIn), 0.5)).as(String.valueOf(refreshIn))
                    .isEqualTo(OBTAINED.plus(Duration.ofMinutes(30)));
        }
    }

    @Test
    void refreshAt_lateRefreshIn_isPulledIntoTheServableWindow() {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER);

        Instant at = policy.refreshAt(token(Duration.ofSeconds(3600), Duration.ofSeconds(3595)), 0.99);

        assertThat(at).isEqualTo(OBTAINED.plusMillis((3_600_000 - 10_000) * 3 / 4));
    }

    @Test
    void refreshAt_lifetimeNotAboveMinServeTtl_isAtOnce() {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER);

        assertThat(policy.refreshAt(token(Duration.ofSeconds(10), null), 0.5)).isEqualTo(OBTAINED);
        assertThat(policy.refreshAt(token(Duration.ofSeconds(5), null), 0.99)).isEqualTo(OBTAINED);
    }

    @Test
    void refreshAt_tenYearToken_doesNotOverflow() {
        Duration tenYears = Duration.ofDays(10L * 366);

        Instant at = new RefreshPolicy(Duration.ofSeconds(10), RefreshPolicy.DEFAULT_JITTER).refreshAt(token(tenYears, null), 0.5);

        assertThat(at).isEqualTo(OBTAINED.plus(tenYears.dividedBy(2)));
    }

    @Test
    void refreshAt_withoutJitter_isExactlyHalfWhateverTheRandomNumber() {
        RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(10), 0);

        assertThat(policy.refreshAt(token(Duration.ofHours(1), null), 0.0)).isEqualTo(OBTAINED.plus(Duration.ofMinutes(30)));
        assertThat(policy.refreshAt(token(Duration.ofHours(1), null), 0.999)).isEqualTo(OBTAINED.plus(Duration.ofMinutes(30)));
    }

    @Test
    void new_withNegativeMinServeTtlOrJitterOutOfRange_fails() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RefreshPolicy(Duration.ofSeconds(-1), 0.1))
                .withMessage("refresh: min-serve-ttl must not be negative");
        for (double jitter : new double[] { -0.01, 1.0, 1.5 }) {
            assertThatIllegalArgumentException().as(String.valueOf(jitter)).isThrownBy(() -> new RefreshPolicy(Duration.ZERO, jitter));
        }
    }

    private static AccessToken token(Duration lifetime, Duration refreshIn) {
        return new AccessToken("token", OBTAINED, OBTAINED.plus(lifetime), refreshIn, null);
    }

    private static Duration minServeTtl(Random random) {
        return random.nextInt(4) == 0 ? Duration.ofMillis(random.nextInt(120_000)) : MIN_SERVE_TTLS[random.nextInt(MIN_SERVE_TTLS.length)];
    }

    /** From 1 ms to ten years, spread evenly over the orders of magnitude, with a bias towards short ones. */
    private static Duration lifetimeAbove(Random random) {
        if (random.nextInt(5) == 0) {
            return Duration.ofMillis(1 + random.nextInt(100));
        }
        double maxLog = Math.log(10.0 * 366 * 86_400_000);
        return Duration.ofMillis(1 + (long) Math.exp(random.nextDouble() * maxLog));
    }
}
