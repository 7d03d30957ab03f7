package tokenbroker.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An access token as the broker keeps it: the opaque value and the instants that govern its use.
 *
 * <p>{@code obtainedAt} and {@code expiresAt} are read off the broker's injected clock when the IdP answered, so
 * that the lifetime the IdP granted is measured on the same clock that decides when to refresh and when to stop
 * serving. {@code refreshIn} is the IdP's optional {@code refresh_in} hint (Entra sends it for long-lived tokens).
 *
 * <p>{@code boundTo} is, for a sender-constrained token, the thumbprint of what it is bound to: the DPoP key's RFC 7638
 * thumbprint ({@code cnf.jkt}) or the TLS client certificate's SHA-256 thumbprint ({@code cnf.x5t#S256}); {@code null}
 * for a bearer token. Thumbprints are public values.
 *
 * <p>{@link #toString()} never prints the value: records print every field, and tokens must never reach a log.
 */
public record AccessToken(String value, Instant obtainedAt, Instant expiresAt, Duration refreshIn, String scope, String boundTo) {

    public AccessToken {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(obtainedAt, "obtainedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** A bearer token. */
    public AccessToken(String value, Instant obtainedAt, Instant expiresAt, Duration refreshIn, String scope) {
        this(value, obtainedAt, expiresAt, refreshIn, scope, null);
    }

    /** How long the IdP made the token valid for, from when the broker received it. */
    public Duration lifetime() {
        return Duration.between(obtainedAt, expiresAt);
    }

    /** Whether at {@code now} the token still has at least {@code minRemaining} left. */
    public boolean validFor(Instant now, Duration minRemaining) {
        return !now.plus(minRemaining).isAfter(expiresAt);
    }

    @Override
    public String toString() {
        return "AccessToken[obtainedAt=" + obtainedAt + ", expiresAt=" + expiresAt + ", value=<redacted>]";
    }
}
