package tokenbroker.testing;

import io.quarkus.test.Mock;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * The one clock of a {@code @QuarkusTest} application (it replaces {@code ClockProducer}'s for every test class of
 * that application), and it never goes back. It follows the real clock until a test {@linkplain #hold() holds}
 * it; then it moves only when that test moves it ({@link #advance}, {@link #set}); once {@linkplain #release()
 * released} it follows the real clock again, from where the test left it (the real time plus the fake time the
 * test added). Tests on the real clock (the soak, the Azure SDKs' expiry checks, idle timeouts) see real time, and
 * tests on fake time never see time go backwards between them, whichever order they run in.
 *
 * <p>{@link OnFakeTime} holds it for each test and releases it afterwards.
 */
@Mock
@ApplicationScoped
public class AppClock extends FakeClock {

    /** Written under the lock; read without it by the broker's threads. */
    private volatile boolean held;
    private volatile Duration ahead = Duration.ZERO;

    public AppClock() {
        super(Instant.now());
    }

    @Override
    public Instant instant() {
        return held ? super.instant() : Instant.now().plus(ahead);
    }

    /** Stops the clock where it is now; from then on it moves only when the test moves it. */
    public synchronized Instant hold() {
        if (!held) {
            super.set(instant());
            held = true;
        }
        return super.instant();
    }

    /** Lets the clock follow the real one again, never behind where the test left it. */
    public synchronized void release() {
        if (held) {
            Duration left = Duration.between(Instant.now(), super.instant());
            if (left.compareTo(ahead) > 0) {
                ahead = left;
            }
            held = false;
        }
    }

    @Override
    public synchronized Instant advance(Duration by) {
        requireHeld();
        return super.advance(by);
    }

    @Override
    public synchronized void set(Instant instant) {
        requireHeld();
        super.set(instant);
    }

    private void requireHeld() {
        if (!held) {
            throw new IllegalStateException("hold() the application's clock before moving it");
        }
    }
}
