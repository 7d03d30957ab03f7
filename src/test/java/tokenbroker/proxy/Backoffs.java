package tokenbroker.proxy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import tokenbroker.cache.ResourceStatus;
import tokenbroker.cache.TokenCache;
import tokenbroker.testing.AppClock;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.FakeClock;

/** The proxy tests' way past a resource's failed start-up request ({@code IdpStubs.BOOT_503}), on the application's clock. */
final class Backoffs {

    private Backoffs() {
    }

    /** Holds the application's clock at a whole second past the backoff of {@code resource}'s failed start-up request. */
    static FakeClock pastBackoff(AppClock clock, TokenCache cache, String resource) {
        ResourceStatus status = Eventually.until(resource + " idle", Duration.ofSeconds(20), () -> {
            ResourceStatus s = cache.slot(resource).status();
            return "refreshing".equals(s.state()) ? null : s;
        });
        // From the application's clock, which may run ahead of the real one after other tests moved it.
        Instant start = clock.hold().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        if (status.retryAt() != null && status.retryAt().isAfter(start)) {
            start = status.retryAt().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        }
        clock.set(start);
        return clock;
    }
}
