package tokenbroker.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import tokenbroker.cache.TokenCache;

/**
 * What every {@code @QuarkusTest} on fake time against a WireMock IdP ({@link WireMockIdp}, or
 * {@code faults/FaultyIdp}) starts with: the IdP, the application's one clock ({@link AppClock}), held for each test
 * and released after it, and {@link #sweep} in place of {@code RefreshSweeper.tick()}.
 *
 * <p>Each test owns its resources (the setups give every test resources of its own, by name): {@link #sweep}
 * starts the due refreshes of those only, so that no test moves another's slot into a refresh or a backoff.
 */
public abstract class OnFakeTime {

    @InjectWireMock
    protected WireMockServer idp;

    @Inject
    protected AppClock clock;

    @Inject
    protected TokenCache cache;

    @BeforeEach
    void holdClock() {
        clock.hold();
    }

    @AfterEach
    void releaseClock() {
        clock.release();
    }

    /** The scheduled sweep's work ({@code RefreshSweeper.tick()}) for the test's own {@code resources}. */
    protected void sweep(String... resources) {
        for (String resource : resources) {
            cache.slot(resource).refreshIfDue();
        }
    }
}
