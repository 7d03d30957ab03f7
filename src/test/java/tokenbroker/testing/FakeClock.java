package tokenbroker.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when a test says so, and only forward: a test that needs an earlier instant is working
 * around another test's state. Thread-safe: the broker reads it from event-loop threads.
 */
public class FakeClock implements InstantSource {

    private final AtomicReference<Instant> now;

    public FakeClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    public Instant advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("a fake clock only moves forward, not by " + by);
        }
        return now.updateAndGet(t -> t.plus(by));
    }

    /** Moves the clock to {@code instant}, which may not be earlier than now. */
    public void set(Instant instant) {
        Instant before = now.getAndUpdate(t -> instant.isBefore(t) ? t : instant);
        if (instant.isBefore(before)) {
            throw new IllegalArgumentException("a fake clock only moves forward: " + instant + " is before " + before);
        }
    }
}
