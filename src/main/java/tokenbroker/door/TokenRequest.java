package tokenbroker.door;

import java.time.Duration;

/**
 * One token request as a door parsed it, whatever its HTTP shape: the value {@link TokenService#decide} judges.
 * Parsing records what it found and never refuses; the service applies the rules in one order for every door.
 *
 * @param door the door it came through
 * @param guarded whether the door's SSRF guard header was present and right ({@code Metadata: true}, or a non-empty
 *        {@code X-IDENTITY-HEADER} on the App Service door)
 * @param callerSecret the {@code X-IDENTITY-HEADER} value, or {@code null}
 * @param resource the native API's resource name, or the Azure doors' {@code resource} parameter
 * @param clientId the Azure doors' {@code client_id} parameter, or {@code null}
 * @param minTtl how long the token must stay valid; zero when not asked
 * @param force whether a new token from the IdP is asked for ({@code force_refresh})
 * @param plainText whether the bare token is wanted ({@code Accept: text/plain}) rather than JSON
 * @param malformed the first problem found in the parameters, or {@code null}
 */
public record TokenRequest(Door door, boolean guarded, String callerSecret, String resource, String clientId, Duration minTtl,
        boolean force, boolean plainText, Refusal malformed) {

    /** A request for {@code resource} that asks nothing but a servable token, as JSON. */
    public static TokenRequest plain(Door door, boolean guarded, String callerSecret, String resource) {
        return new TokenRequest(door, guarded, callerSecret, resource, null, Duration.ZERO, false, false, null);
    }

    /** Whether only the cached token is needed: the allocation-free path of {@link TokenService#decide}. */
    boolean cacheWillDo() {
        return !force && minTtl.isZero();
    }

    @Override
    public String toString() {
        return "TokenRequest[door=" + door + ", resource=" + resource + ", callerSecret=" + (callerSecret == null ? "none" : "<redacted>")
                + ", minTtl=" + minTtl + ", force=" + force + "]";
    }
}
