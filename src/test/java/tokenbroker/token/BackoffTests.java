package tokenbroker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of {@link Backoff} over many random settings and failure counts, from a seeded {@link Random}. */
class BackoffTests {

    private static final int CASES = 5_000;
    private static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void delay_isBetweenInitialAndTheDoublingCeiling() {
        Random random = new Random(20251124);
        for (int i = 0; i < CASES; i++) {
            Backoff backoff = randomBackoff(random);
            int failures = 1 + random.nextInt(40);
            double r = random.nextDouble();

            Duration delay = backoff.delay(failures, r);

            String name = "case " + i + ": " + backoff + ", failures " + failures + ", r " + r;
            assertThat(delay).as(name).isBetween(backoff.initial(), ceiling(backoff, failures));
        }
    }

    @Test
    void delay_ceilingNeverShrinksWithMoreFailures() {
        Random random = new Random(5);
        for (int i = 0; i < CASES; i++) {
            Backoff backoff = randomBackoff(random);
            double r = random.nextDouble();
            Duration previous = Duration.ZERO;
            for (int failures = 1; failures <= 40; failures++) {
                Duration delay = backoff.delay(failures, r);

                assertThat(delay).as("case %d: %s, failures %d, r %s", i, backoff, failures, r).isGreaterThanOrEqualTo(previous);
                previous = delay;
            }
        }
    }

    @Test
    void delay_withFullJitter_reachesTheCeilingAndCapsAtMax() {
        Random random = new Random(9);
        double almostOne = Math.nextDown(1.0);
        for (int i = 0; i < CASES; i++) {
            Backoff backoff = randomBackoff(random);
            int failures = 1 + random.nextInt(40);

            Duration highest = backoff.delay(failures, almostOne);

            String name = "case " + i + ": " + backoff + ", failures " + failures;
            assertThat(highest).as(name).isBetween(ceiling(backoff, failures).minusMillis(1), ceiling(backoff, failures));
            assertThat(backoff.delay(failures, 0.0)).as(name).isEqualTo(backoff.initial());
            assertThat(backoff.delay(200, almostOne)).as(name).isLessThanOrEqualTo(backoff.max())
                    .isGreaterThanOrEqualTo(backoff.max().minusMillis(1));
        }
    }

    @Test
    void delay_withDefaults_doublesFromOneSecondToOneMinute() {
        double almostOne = Math.nextDown(1.0);
        long[] ceilingsMs = { 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000 };
        for (int failures = 1; failures <= ceilingsMs.length; failures++) {
            assertThat(DEFAULT.delay(failures, almostOne).toMillis()).as("failures %d", failures)
                    .isBetween(ceilingsMs[failures - 1] - 1, ceilingsMs[failures - 1]);
        }
        assertThat(DEFAULT.delay(3, 0.5)).isEqualTo(Duration.ofMillis(2_500));
        assertThat(DEFAULT.slowest()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void delay_zeroNegativeOrHugeFailureCounts_stayInBounds() {
        assertThat(DEFAULT.delay(0, 0.9)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DEFAULT.delay(-5, 0.9)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DEFAULT.delay(Integer.MAX_VALUE, 0.5)).isEqualTo(Duration.ofMillis(30_500));
    }

    @Test
    void delay_withVeryLongInitial_doesNotOverflow() {
        Backoff backoff = new Backoff(Duration.ofDays(100), Duration.ofDays(400));

        for (int failures = 1; failures <= 40; failures++) {
            assertThat(backoff.delay(failures, 0.5)).as("failures %d", failures).isBetween(backoff.initial(), backoff.max());
        }
    }

    @Test
    void honouring_keepsRetryAfterAsAFloorCappedAtTenMinutes() {
        Random random = new Random(13);
        for (int i = 0; i < CASES; i++) {
            Duration computed = Duration.ofMillis(1 + random.nextInt(3_600_000));
            Duration retryAfter = Duration.ofSeconds(random.nextInt(86_400));

            Duration delay = Backoff.honouring(computed, retryAfter);

            Duration floor = retryAfter.compareTo(Backoff.MAX_RETRY_AFTER) > 0 ? Backoff.MAX_RETRY_AFTER : retryAfter;
            Duration expected = floor.compareTo(computed) > 0 ? floor : computed;
            assertThat(delay).as("case %d: computed %s, Retry-After %s", i, computed, retryAfter).isEqualTo(expected);
        }
    }

    @Test
    void honouring_examples() {
        Duration computed = Duration.ofSeconds(4);

        assertThat(Backoff.honouring(computed, null)).isEqualTo(computed);
        assertThat(Backoff.honouring(computed, Duration.ZERO)).isEqualTo(computed);
        assertThat(Backoff.honouring(computed, Duration.ofSeconds(-3))).isEqualTo(computed);
        assertThat(Backoff.honouring(computed, Duration.ofSeconds(2))).isEqualTo(computed);
        assertThat(Backoff.honouring(computed, Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(Backoff.honouring(computed, Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(10));
        assertThat(Backoff.honouring(Duration.ofMinutes(20), Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void new_withNonPositiveInitialOrMaxBelowInitial_fails() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .withMessage("backoff: need 0 < initial <= max, got PT0S and PT1S");
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ofSeconds(-1), Duration.ofSeconds(1)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThat(new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(2)).delay(10, 0.7)).isEqualTo(Duration.ofSeconds(2));
    }

    /** {@code min(max, initial * 2^(failures-1))}, computed without shifts. */
    private static Duration ceiling(Backoff backoff, int failures) {
        Duration ceiling = backoff.initial();
        for (int n = 1; n < failures && ceiling.compareTo(backoff.max()) < 0; n++) {
            ceiling = ceiling.multipliedBy(2);
        }
        return ceiling.compareTo(backoff.max()) > 0 ? backoff.max() : ceiling;
    }

    /** Whole milliseconds, from 1 ms to an hour for the first delay and up to a day for the longest. */
    private static Backoff randomBackoff(Random random) {
        Duration initial = Duration.ofMillis(1 + (long) Math.exp(random.nextDouble() * Math.log(3_600_000)));
        Duration max = initial.plusMillis((long) Math.exp(random.nextDouble() * Math.log(86_400_000)));
        return new Backoff(initial, max);
    }
}
