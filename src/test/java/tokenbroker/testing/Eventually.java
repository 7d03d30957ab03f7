package tokenbroker.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits, in real time and with a deadline, for something that happens on another thread (an IdP answer reaching
 * the broker). Never used to let fake time pass: tests move {@link FakeClock} instead.
 */
public final class Eventually {

    private Eventually() {
    }

    /** Returns as soon as {@code condition} holds; fails with {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
    }

    /** The first non-null value {@code probe} gives; fails with {@code what} after {@code timeout}. */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
