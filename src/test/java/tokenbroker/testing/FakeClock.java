package tokenbroker.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when a test says so. Thread-safe: the broker reads it from event-loop threads. */
public final class FakeClock implements InstantSource {

    private final AtomicReference<Instant> now;

    public FakeClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** Starts at the real current time, so that tokens obtained before the fake was installed stay consistent. */
    public static FakeClock ofNow() {
        return new FakeClock(Instant.now());
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    public Instant advance(Duration by) {
        return now.updateAndGet(t -> t.plus(by));
    }

    public void set(Instant instant) {
        now.set(instant);
    }
}
