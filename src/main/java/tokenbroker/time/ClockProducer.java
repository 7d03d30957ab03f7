package tokenbroker.time;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.InstantSource;

/**
 * The one source of time for the broker. The {@code @QuarkusTest}s replace it with an alternative bean, one
 * forward-only fake clock per application (src/test: {@code tokenbroker.testing.AppClock}).
 */
public class ClockProducer {

    @Produces
    @ApplicationScoped
    InstantSource clock() {
        return Clock.systemUTC();
    }
}
