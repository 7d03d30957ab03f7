package tokenbroker.hostile;

import tokenbroker.testing.WireMockIdp;

/**
 * What the hostile-input tests aim at, in the broker of {@link WireMockIdp}'s {@value WireMockIdp#HOSTILE} setup:
 * the {@code api} setup in open mode, plus a resource of their own and a 2 s idle timeout.
 */
public final class HostileProfile {

    /** The resource every hostile request aims at; the fake IdP gives it a one-hour token at start-up. */
    public static final String RESOURCE = WireMockIdp.HOSTILE_RESOURCE;
    public static final String SCOPE = WireMockIdp.HOSTILE_SCOPE;
    /** The test idle timeout; production has 60 s (application.properties). */
    public static final int IDLE_TIMEOUT_SECONDS = WireMockIdp.HOSTILE_IDLE_TIMEOUT_SECONDS;

    private HostileProfile() {
    }
}
