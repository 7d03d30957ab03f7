package tokenbroker.cache;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Starts the refreshes that are due: each second, every slot past its refresh point, or waiting for a retry
 * whose backoff has run out, gets one IdP request while its current token goes on being served. Traffic never
 * starts a refresh by itself. Tests call {@link #tick()} directly after moving their clock.
 */
@ApplicationScoped
public class RefreshSweeper {

    private final TokenCache cache;

    RefreshSweeper(TokenCache cache) {
        this.cache = cache;
    }

    @Scheduled(identity = "token-refresh", every = "${broker.refresh.sweep-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void tick() {
        for (TokenSlot slot : cache.slots()) {
            slot.refreshIfDue();
        }
    }
}
