package tokenbroker.proxy;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes the broker's own refusals on route ports: the token API's JSON error shape
 * ({@code {"error","error_description"}}), {@code Cache-Control: no-store}, and {@value #MARKER}{@code : true}, which
 * tells the broker's answers from the upstream's (those pass through unchanged). The one place that renders them, so
 * that it can give way to a shared error writer.
 */
final class ProxyErrors {

    /** The header that marks an answer as the broker's, not the upstream's. */
    static final String MARKER = "X-Token-Broker-Error";

    /**
     * Connections being closed after a refusal. Vert.x hands a request pipelined behind the refused one to the handler
     * within the refusal's {@code end()}, before the connection is closed: it must not be served (api/HttpGuards
     * keeps the same set for the token port). Lock-free: every request reads it.
     */
    private static final Set<HttpConnection> CLOSING = ConcurrentHashMap.newKeySet();

    private ProxyErrors() {
    }

    /** Whether {@code request} arrived on a connection that is being closed after a refusal. */
    static boolean closing(HttpServerRequest request) {
        return CLOSING.contains(request.connection());
    }

    static void send(HttpServerRequest request, Refusal refusal) {
        HttpServerResponse response = request.response();
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            // The upstream's answer had begun: a JSON error now would corrupt it. Cutting the connection tells
            // the caller that the answer is incomplete.
            request.connection().close();
            return;
        }
        response.headers().clear();
        response.setStatusCode(refusal.status())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(MARKER, "true");
        if (refusal.retryAfter() != null) {
            response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, refusal.retryAfter().toSeconds())));
        }
        String body = "{\"error\":\"" + refusal.error() + "\",\"error_description\":\"" + escape(refusal.description()) + "\"}";
        if (!refusal.close()) {
            response.end(body);
            return;
        }
        // Close after answering: an unread body must never be taken for the next request on this connection.
        HttpConnection connection = request.connection();
        CLOSING.add(connection);
        response.putHeader(HttpHeaders.CONNECTION, "close");
        response.end(body).onComplete(written -> connection.close().onComplete(closed -> CLOSING.remove(connection)));
    }

    /** JSON string escaping of our own descriptions (which may quote a configured name or an exception class). */
    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
