package tokenbroker.idp;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * Sorts a token endpoint's non-200 answer into an {@link AcquireFailure}: overload and server faults are
 * {@link AcquireFailure.Unreachable} (with the {@code Retry-After} the IdP sent), everything else the IdP said
 * is a {@link AcquireFailure.Rejected} carrying its error code and description.
 */
public final class IdpErrorClassifier {

    /** OAuth error codes that mean "later", whatever the HTTP status. */
    private static final Set<String> TRANSIENT_ERRORS = Set.of("temporarily_unavailable", "server_error", "slow_down");
    private static final int MAX_TEXT = 300;

    private IdpErrorClassifier() {
    }

    /**
     * @param status the HTTP status (not 200)
     * @param retryAfterHeader the {@code Retry-After} header, or {@code null}
     * @param body the response body, or {@code null}
     * @param now the current instant, to read an HTTP-date {@code Retry-After}
     */
    public static AcquireFailure classify(int status, String retryAfterHeader, String body, Instant now) {
        JsonObject json = parse(body);
        String error = json == null ? null : text(json.getValue("error"));
        String description = json == null ? null : text(json.getValue("error_description"));
        Duration retryAfter = retryAfter(retryAfterHeader, now);
        if (status == 429 || status == 408 || status >= 500 || (error != null && TRANSIENT_ERRORS.contains(error))) {
            String what = status == 429 ? "the IdP is throttling us (HTTP 429)" : "the IdP answered HTTP " + status;
            return new AcquireFailure.Unreachable(error == null ? what : what + ", " + error, retryAfter);
        }
        if (error == null) {
            return new AcquireFailure.Rejected("http_" + status, "the token endpoint answered HTTP " + status
                    + " without an OAuth error", null);
        }
        return EntraErrors.explain(error, description, json);
    }

    private static JsonObject parse(String body) {
        if (body == null || body.isBlank() || body.strip().charAt(0) != '{') { // JSON may start with white space
            return null;
        }
        try {
            return new JsonObject(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A printable, bounded copy of an IdP string: no control characters, no novel-length descriptions. */
    static String text(Object value) {
        if (!(value instanceof String s) || s.isBlank()) {
            return null;
        }
        StringBuilder clean = new StringBuilder(Math.min(s.length(), MAX_TEXT));
        for (int i = 0; i < s.length() && clean.length() < MAX_TEXT; i++) {
            char c = s.charAt(i);
            clean.append(Character.isISOControl(c) ? ' ' : c);
        }
        return clean.toString().strip();
    }

    /** {@code Retry-After} in seconds or as an HTTP date; {@code null} when absent or unreadable. */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds > 0 ? Duration.ofSeconds(Math.min(seconds, 86_400)) : null;
        } catch (NumberFormatException e) {
            // not seconds: try an HTTP date
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration left = Duration.between(now, at);
            return (left.compareTo(Duration.ZERO) > 0) ? left : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
