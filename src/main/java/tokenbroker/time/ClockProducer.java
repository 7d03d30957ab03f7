package tokenbroker.time;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.InstantSource;

/**
 * The one source of time for the broker. Normal-scoped so that tests can swap it with
 * {@code QuarkusMock.installMockForType(fakeClock, InstantSource.class)}.
 */
public class ClockProducer {

    @Produces
    @ApplicationScoped
    InstantSource clock() {
        return Clock.systemUTC();
    }
}
