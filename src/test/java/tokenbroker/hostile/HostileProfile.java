package tokenbroker.hostile;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The broker of the hostile-input tests: {@link tokenbroker.testing.WireMockIdp}'s {@code api} setup in open mode
 * (no callers, so that every refusal has a token within reach), plus a resource of their own and a 2 s idle
 * timeout, so that a stalled connection is closed while the test waits.
 */
public class HostileProfile implements QuarkusTestProfile {

    /** The resource every hostile request aims at; the fake IdP gives it a one-hour token at start-up. */
    public static final String RESOURCE = "hostile";
    public static final String SCOPE = "hostile.read";
    /** The test idle timeout; production has 60 s (application.properties). */
    public static final int IDLE_TIMEOUT_SECONDS = 2;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "broker.resources." + RESOURCE + ".scopes", SCOPE,
                "quarkus.http.idle-timeout", IDLE_TIMEOUT_SECONDS + "s");
    }
}
