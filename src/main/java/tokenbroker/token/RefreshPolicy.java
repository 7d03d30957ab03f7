package tokenbroker.token;

import java.time.Duration;
import java.time.Instant;

/**
 * When a token should be refreshed: a pure function of the token and a random number, so that it can be
 * tested over every lifetime without a clock.
 *
 * <p>The nominal point is half the lifetime, or the IdP's {@code refresh_in} when it sent one, moved by up to
 * ±{@code jitter} of that offset so that a fleet of sidecars started together does not refresh in step. The
 * result always falls before the token stops being servable ({@code expiresAt - minServeTtl}), leaving at least
 * a quarter of the servable window for the refresh and its retries.
 */
public record RefreshPolicy(Duration minServeTtl, double jitter) {

    public static final double DEFAULT_JITTER = 0.10;

    public RefreshPolicy {
        if (minServeTtl.isNegative()) {
            throw new IllegalArgumentException("refresh: min-serve-ttl must not be negative");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("refresh: jitter must be in [0, 1)");
        }
    }

    /**
     * The instant at which {@code token} should be refreshed.
     *
     * @param random a number in [0, 1): 0.5 gives the nominal point, 0 the earliest, values near 1 the latest
     */
    public Instant refreshAt(AccessToken token, double random) {
        long lifetimeMs = token.lifetime().toMillis();
        long nominalMs = lifetimeMs / 2;
        Duration hint = token.refreshIn();
        if (hint != null && (hint.compareTo(Duration.ZERO) > 0) && hint.toMillis() < lifetimeMs) {
            nominalMs = hint.toMillis();
        }
        long jitteredMs = Math.round(nominalMs * (1 + jitter * (2 * random - 1)));
        // Keep at least a quarter of the servable window for the refresh and its retries: with short lifetimes
        // or a late refresh_in, the half-life can fall after the token stops being servable.
        long latestMs = Math.max(0, (lifetimeMs - minServeTtl.toMillis()) * 3 / 4);
        return token.obtainedAt().plusMillis(Math.min(jitteredMs, latestMs));
    }
}
