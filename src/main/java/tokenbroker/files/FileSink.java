package tokenbroker.files;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import tokenbroker.config.FileSpec;
import tokenbroker.token.AccessToken;

/**
 * One token file, kept in line with its resource's servable token: written when a new token comes, removed once
 * the token has less than {@code keep} left (so a reader never finds one with less than {@code min-serve-ttl}),
 * written again on recovery. A failed write is retried on the next {@link #sync}; the old token stays on disk
 * while it is still good for {@code keep}, and not a moment longer.
 *
 * <p>Not thread-safe: {@link #sync} and {@link #remove} run on one thread ({@link TokenFiles}' writer), which keeps
 * the writes of a file in order. {@link #status()} may be read from any thread.
 */
final class FileSink {

    /** Told of each failed write or removal, for the metric. */
    interface Failures {
        void failed(FileSpec spec);
    }

    private final FileSpec spec;
    private final TokenFileContent content;
    private final InstantSource clock;
    private final Duration keep;
    private final Failures failures;
    /** Why {@link #sync} removes a file, for the log line. */
    private final String runShort;
    /** The token the file holds, or {@code null} when it holds none. Confined to the writer thread. */
    private AccessToken onDisk;
    /** Whether a file may be at the path although {@link #onDisk} is {@code null}. Confined to the writer thread. */
    private boolean mayExist = true;
    /** The last write or removal error, or {@code null} once one succeeds. Confined to the writer thread. */
    private String error;
    /** When {@link #onDisk} was written. Confined to the writer thread. */
    private Instant writtenAt;
    /** Replaced whole after each change, by the writer thread only. */
    private volatile FileStatus status;

    FileSink(FileSpec spec, TokenFileContent content, InstantSource clock, Duration keep, Failures failures) {
        this.spec = spec;
        this.content = content;
        this.clock = clock;
        this.keep = keep;
        this.failures = failures;
        this.runShort = "no token with more than " + keep.toSeconds() + " s left";
        this.status = new FileStatus(spec.name(), spec.resource().name(), spec.resource().required(), spec.path(),
                FileStatus.ABSENT, null, null);
    }

    FileSpec spec() {
        return spec;
    }

    FileStatus status() {
        return status;
    }

    /** Brings the file in line with {@code servable}, the resource's token that can be served now, or {@code null}. */
    void sync(AccessToken servable) {
        Instant now = clock.instant();
        AccessToken wanted = servable != null && servable.validFor(now, keep) ? servable : null;
        if (wanted != null && wanted != onDisk) {
            write(wanted, now);
        }
        boolean stale = onDisk != null && !onDisk.validFor(now, keep);
        if (stale || wanted == null && mayExist) {
            removeFile();
        }
        publish(runShort);
    }

    /**
     * Removes the file and whatever an earlier run left beside it: at start-up and at shutdown.
     *
     * @param why for the log line
     */
    void remove(String why) {
        try {
            AtomicFiles.removeWithLeftovers(spec.path());
            onDisk = null;
            mayExist = false;
        } catch (IOException | RuntimeException e) {
            failed("remove", e);
        }
        publish(why);
    }

    private void write(AccessToken token, Instant now) {
        try {
            byte[] bytes = content.render(spec, token, now);
            mayExist = true;
            AtomicFiles.write(spec.path(), bytes, spec.mode());
            onDisk = token;
            writtenAt = now;
            error = null;
        } catch (IOException | RuntimeException e) {
            failed("write", e);
        }
    }

    private void removeFile() {
        try {
            AtomicFiles.remove(spec.path());
            onDisk = null;
            mayExist = false;
        } catch (IOException | RuntimeException e) {
            failed("remove", e);
        }
    }

    private void failed(String what, Exception e) {
        // IOException messages name the path and the system's reason; never the content.
        String reason = e instanceof IllegalArgumentException ? e.getMessage()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        error = "cannot " + what + " " + spec.path() + ": " + reason;
        failures.failed(spec);
    }

    private void publish(String whyAbsent) {
        String state = error != null ? FileStatus.FAILING : onDisk != null ? FileStatus.WRITTEN : FileStatus.ABSENT;
        FileStatus before = status;
        status = new FileStatus(spec.name(), spec.resource().name(), spec.resource().required(), spec.path(), state,
                onDisk == null ? null : writtenAt, error);
        if (state.equals(before.state())) {
            return;
        }
        // One line per change of state, not per attempt: a failing file is retried every sweep.
        switch (state) {
            case FileStatus.FAILING -> Log.warnf("files: %s (resource %s) %s", spec.key(), spec.resource().name(), error);
            case FileStatus.WRITTEN -> Log.infof("files: %s (resource %s) written to %s", spec.key(), spec.resource().name(),
                    spec.path());
            default -> Log.infof("files: %s (resource %s) removed from %s: %s", spec.key(), spec.resource().name(), spec.path(),
                    whyAbsent);
        }
    }
}
