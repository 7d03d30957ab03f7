package tokenbroker.door;

import java.time.Duration;

/**
 * What one failure answers on one door: status, OAuth error code and description, and {@code Retry-After} when the
 * caller may try again soon. Made only by {@link ErrorPolicy}, written only by {@link ErrorWriter}.
 *
 * @param retryAfter whole seconds, at least one; {@code null} for no {@code Retry-After}
 */
public record ErrorAnswer(int status, String error, String description, Duration retryAfter) {
}
