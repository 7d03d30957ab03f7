package tokenbroker.files;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What can be said of a token file without showing its token.
 *
 * @param required whether readiness waits for it (its resource is required)
 * @param state {@code written} (holds a servable token), {@code absent} (no servable token to write) or
 *        {@code failing} (the last write or removal failed; {@code lastError} says why)
 * @param writtenAt when the current content was written, or {@code null} when there is none
 */
public record FileStatus(String name, String resource, boolean required, Path path, String state, Instant writtenAt, String lastError) {

    public static final String WRITTEN = "written";
    public static final String ABSENT = "absent";
    public static final String FAILING = "failing";
}
