package tokenbroker.door;

import io.quarkus.logging.Log;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import tokenbroker.cache.MinTtlUnreachableException;
import tokenbroker.cache.RefreshThrottledException;
import tokenbroker.cache.TokenUnavailableException;

/**
 * The one table from failure to answer, for each {@link Door} (docs/api.md, "Errors"). Every place that answers an
 * error asks here: the token doors, {@code /v1/resources} (JAX-RS), the HTTP guards, the shutdown gate and the
 * management interface.
 *
 * <table>
 * <caption>failure → answer</caption>
 * <tr><th>failure</th><th>native door</th><th>Azure doors</th></tr>
 * <tr><td>{@link Refusal}</td><td>its status (400, 401, 403, 404)</td><td>401 and 403 kept, else 400</td></tr>
 * <tr><td>{@link TokenUnavailableException}, retryable</td><td colspan="2">503 {@code temporarily_unavailable} +
 *     {@code Retry-After}</td></tr>
 * <tr><td>{@link TokenUnavailableException}, permanent</td><td>502 {@code idp_error}</td><td>400 {@code idp_error}</td></tr>
 * <tr><td>{@link RefreshThrottledException}</td><td colspan="2">503 {@code temporarily_unavailable} +
 *     {@code Retry-After}</td></tr>
 * <tr><td>{@link tokenbroker.binding.StaleBindingException} (proofs door)</td><td colspan="2">503
 *     {@code temporarily_unavailable} + {@code Retry-After: 1}</td></tr>
 * <tr><td>{@link MinTtlUnreachableException}</td><td colspan="2">400 {@code invalid_request} (a proxy route asks for no
 *     {@code min_ttl}: 502 {@code idp_error} there)</td></tr>
 * <tr><td>shutting down</td><td colspan="2">503 {@code temporarily_unavailable} + {@code Retry-After: 1}</td></tr>
 * <tr><td>anything else</td><td colspan="2">500 {@code server_error}, logged; never a stack trace</td></tr>
 * </table>
 *
 * <p>A proxy route ({@link Door#PROXY}) answers as the native door, and adds the rows of {@link #upstream} for an
 * upstream out of reach.
 *
 * <p>The Azure SDKs retry 404, 408, 410, 429 and 5xx for seconds to minutes, so on their doors every permanent
 * problem answers 400: they fail at once and show our description.
 */
public final class ErrorPolicy {

    private static final ErrorAnswer SHUTTING_DOWN = new ErrorAnswer(503, "temporarily_unavailable",
            "the broker is shutting down", Duration.ofSeconds(1));
    private static final ErrorAnswer INTERNAL = new ErrorAnswer(500, "server_error", "internal error", null);

    private ErrorPolicy() {
    }

    /** The answer to {@code failure} on {@code door}. */
    public static ErrorAnswer answer(Door door, Throwable failure) {
        if (failure instanceof Refusal r) {
            int status = door.azure() && r.status() != 401 && r.status() != 403 ? 400 : r.status();
            return new ErrorAnswer(status, r.error(), r.getMessage(), null);
        }
        if (failure instanceof TokenUnavailableException e) {
            if (e.failure().retryable()) {
                return new ErrorAnswer(503, "temporarily_unavailable", e.getMessage(), e.retryAfter());
            }
            return new ErrorAnswer(door.azure() ? 400 : 502, "idp_error", e.getMessage(), null);
        }
        if (failure instanceof RefreshThrottledException e) {
            return new ErrorAnswer(503, "temporarily_unavailable", e.getMessage(), e.retryAfter());
        }
        if (failure instanceof tokenbroker.binding.StaleBindingException e) {
            return new ErrorAnswer(503, "temporarily_unavailable", e.getMessage(), java.time.Duration.ofSeconds(1));
        }
        if (failure instanceof MinTtlUnreachableException e) {
            return door == Door.PROXY ? new ErrorAnswer(502, "idp_error", e.getMessage(), null)
                    : new ErrorAnswer(400, "invalid_request", e.getMessage(), null);
        }
        Log.errorf(failure, "api: unexpected %s on the %s door", failure == null ? "failure" : failure.getClass().getSimpleName(),
                door);
        return INTERNAL;
    }

    /**
     * A proxy route's upstream that could not be reached or did not answer: 504 {@code upstream_timeout} after
     * {@code timeout} of silence, 503 {@code temporarily_unavailable} + {@code Retry-After: 1} when the route's
     * connections and wait queue are all taken, 502 {@code upstream_unreachable} otherwise. The description names the
     * failure's class (and whether TLS failed), never its message, which may quote the upstream.
     */
    public static ErrorAnswer upstream(String route, Duration timeout, Throwable failure) {
        if (failure instanceof TimeoutException) {
            return new ErrorAnswer(504, "upstream_timeout", "the upstream of route " + route + " sent nothing for "
                    + timeout.toSeconds() + " s", null);
        }
        if (failure instanceof ConnectionPoolTooBusyException) {
            return new ErrorAnswer(503, "temporarily_unavailable", "route " + route + " has too many requests waiting"
                    + " for a connection to its upstream", Duration.ofSeconds(1));
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        boolean tls = failure instanceof SSLException || root instanceof SSLException || root instanceof CertificateException;
        return new ErrorAnswer(502, "upstream_unreachable", "cannot reach the upstream of route " + route + " ("
                + (tls ? "TLS: " : "") + root.getClass().getSimpleName() + ")", null);
    }

    /**
     * The upstream's answer broke off before its declared end, and the broker had not begun the caller's answer (it
     * reads small answers whole before it writes them): the broker's 502 rather than a cut answer; its silence for the
     * route's timeout is a 504 as before the answer began.
     */
    public static ErrorAnswer upstreamCut(String route, Duration timeout, Throwable failure) {
        if (failure instanceof TimeoutException) {
            return upstream(route, timeout, failure);
        }
        return new ErrorAnswer(502, "upstream_interrupted", "the upstream of route " + route
                + " ended its answer before the length it declared", null);
    }

    /** What the HTTP layer answers by itself: no such path, a method other than GET, a malformed request. */
    public static ErrorAnswer forStatus(int status) {
        return switch (status) {
            case 404 -> new ErrorAnswer(404, "not_found", "no such endpoint; tokens are at /v1/tokens/{resource}", null);
            case 405 -> new ErrorAnswer(405, "method_not_allowed", "only GET is allowed", null);
            case 406 -> new ErrorAnswer(406, "not_acceptable", "answers are application/json or text/plain", null);
            case 413, 414, 431 -> new ErrorAnswer(status, "request_too_large", "the request is too large", null);
            case 415 -> new ErrorAnswer(415, "unsupported_media_type", "the request is malformed", null);
            default -> status >= 500 ? INTERNAL : new ErrorAnswer(status, "invalid_request", "the request is malformed", null);
        };
    }

    /** A request refused by the HTTP guards ({@code invalid_request}). */
    public static ErrorAnswer invalid(String description) {
        return new ErrorAnswer(400, "invalid_request", description, null);
    }

    /** New requests once shutdown has begun. */
    public static ErrorAnswer shuttingDown() {
        return SHUTTING_DOWN;
    }
}
