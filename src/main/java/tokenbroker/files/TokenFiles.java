package tokenbroker.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import tokenbroker.cache.RefreshListener;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.token.AccessToken;

/**
 * The configured token files ({@code broker.files.*}, SPEC §3.5), kept in line with the cache: each is rewritten
 * as soon as its resource's refresh completes, and checked on every sweep, so that it is removed once its token
 * has less than {@code min-serve-ttl} plus two sweep intervals left and written again on recovery. A stale file
 * from an earlier run is removed at start-up, and every file at shutdown: an expired token never stays on disk.
 *
 * <p>All file I/O runs on one thread of its own: the refresh listener is called on the event loop, which must not
 * block, and one thread keeps the writes of each file in order without a lock. (A Vert.x worker would not keep
 * the order; ordered {@code executeBlocking} ties the order to a context that the listener does not have.)
 */
@Startup
@ApplicationScoped
public class TokenFiles implements RefreshListener {

    private final TokenCache cache;
    private final List<FileSink> sinks;
    /** {@code null} when no file is configured: then nothing runs. */
    private final ExecutorService writer;

    TokenFiles(BrokerSetup setup, TokenCache cache, InstantSource clock, ObjectMapper json, BrokerMetrics metrics,
            @ConfigProperty(name = "broker.refresh.sweep-interval", defaultValue = "1s") String sweepInterval) {
        this.cache = cache;
        Duration keep = setup.minServeTtl().plus(sweepPeriod(sweepInterval).multipliedBy(2));
        TokenFileContent content = new TokenFileContent(json);
        this.sinks = setup.files().stream()
                .map(spec -> new FileSink(spec, content, clock, keep, failed -> metrics.fileWriteFailed(failed.name(),
                        failed.resource().name())))
                .toList();
        this.writer = sinks.isEmpty() ? null : Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "token-files");
            thread.setDaemon(true);
            return thread;
        });
        // First of all, away with what an earlier run left: its token may have expired since.
        submit(() -> sinks.forEach(sink -> sink.remove("left by an earlier run")));
        submit(this::syncAll);
    }

    /** The sweep interval as the refresh sweeper reads it; {@code off} (tests) counts as the default second. */
    private static Duration sweepPeriod(String interval) {
        String value = interval.strip();
        if (value.equalsIgnoreCase("off") || value.equalsIgnoreCase("disabled")) {
            return Duration.ofSeconds(1);
        }
        return DurationConverter.parseDuration(value);
    }

    @Override
    public void refreshed(ResourceSpec resource, AccessToken token, AcquireFailure failure, Duration took, Instant retryAt) {
        if (writer != null && sinks.stream().anyMatch(s -> s.spec().resource().name().equals(resource.name()))) {
            submit(() -> sync(resource.name()));
        }
    }

    /** Every sweep: removes files whose token ran short, retries failed writes. */
    @Scheduled(identity = "token-files", every = "${broker.refresh.sweep-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        sync();
    }

    /**
     * Brings every file in line with its resource's servable token.
     *
     * @return completes once this and every earlier write is done (tests wait on it)
     */
    public CompletableFuture<Void> sync() {
        return submit(this::syncAll);
    }

    /** Every file's state, in configured order. */
    public List<FileStatus> statuses() {
        return sinks.stream().map(FileSink::status).toList();
    }

    /** The files of {@code resource}. */
    public List<FileStatus> statusesOf(String resource) {
        return sinks.stream().filter(s -> s.spec().resource().name().equals(resource)).map(FileSink::status).toList();
    }

    @PreDestroy
    void close() {
        if (writer == null) {
            return;
        }
        submit(() -> sinks.forEach(sink -> sink.remove("the broker stops")));
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                Log.warn("files: token files not removed within 5 s of shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void syncAll() {
        for (FileSink sink : sinks) {
            sink.sync(servable(sink.spec().resource().name()));
        }
    }

    private void sync(String resource) {
        for (FileSink sink : sinks) {
            if (sink.spec().resource().name().equals(resource)) {
                sink.sync(servable(resource));
            }
        }
    }

    private AccessToken servable(String resource) {
        TokenSlot slot = cache.slot(resource);
        return slot == null ? null : slot.servable();
    }

    private CompletableFuture<Void> submit(Runnable task) {
        if (writer == null) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // Not expected (FileSink catches what I/O throws), but the writer thread must survive it.
                    Log.errorf("files: unexpected %s", e.getClass().getSimpleName());
                }
            }, writer);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(null); // shutting down: close() removes the files
        }
    }
}
