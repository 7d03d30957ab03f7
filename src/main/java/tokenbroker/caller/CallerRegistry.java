package tokenbroker.caller;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.CallerSpec;

/**
 * The configured callers and their current secrets, re-read from their files every sweep so that a rotated
 * caller Secret takes effect without a restart. With no caller configured the broker is open to every process
 * that can reach its loopback port (the pod's network namespace).
 */
@ApplicationScoped
public class CallerRegistry {

    /** A caller with the secret read from its file at the last reload. */
    private record Known(CallerSpec spec, byte[] secret) {
    }

    private final List<CallerSpec> callers;
    /** Replaced whole by {@link #reload()}; read without locks on every request. */
    private volatile List<Known> known;

    CallerRegistry(BrokerSetup setup) {
        this.callers = setup.callers();
        this.known = List.of();
        reload();
    }

    /** Whether no caller is configured: every local process may ask. */
    public boolean open() {
        return callers.isEmpty();
    }

    /**
     * The caller whose secret is {@code presented}, or {@code null}. Compares against every caller in constant time
     * per comparison, without stopping at the first match, so that timing tells nothing of the secrets.
     */
    public CallerSpec authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return null;
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        CallerSpec match = null;
        for (Known caller : known) {
            if (MessageDigest.isEqual(caller.secret(), bytes) && match == null) {
                match = caller.spec();
            }
        }
        return match;
    }

    /** Re-reads every caller's secret file; a file that cannot be read keeps the caller's previous secret. */
    @Scheduled(identity = "caller-secrets", every = "${broker.refresh.sweep-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void reload() {
        List<Known> previous = known;
        List<Known> next = new ArrayList<>(callers.size());
        for (CallerSpec caller : callers) {
            byte[] secret = read(caller);
            if (secret == null) {
                secret = previous.stream().filter(k -> k.spec().equals(caller)).map(Known::secret).findFirst().orElse(new byte[0]);
            }
            next.add(new Known(caller, secret));
        }
        known = List.copyOf(next);
    }

    private static byte[] read(CallerSpec caller) {
        try {
            String secret = Files.readString(caller.secretFile(), StandardCharsets.UTF_8).strip();
            return secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            Log.warnf("callers: cannot read the secret file of caller %s (%s); keeping its previous secret", caller.name(),
                    e.getClass().getSimpleName());
            return null;
        }
    }
}
