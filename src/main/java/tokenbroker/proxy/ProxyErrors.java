package tokenbroker.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import tokenbroker.door.ClosingConnections;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorWriter;

/**
 * Writes the broker's own refusals on route ports with the one error writer (door/ErrorWriter: the OAuth JSON shape,
 * {@code Cache-Control: no-store}, {@code Retry-After}), none of the upstream's headers, and {@value #MARKER}
 * {@code : true}, which tells the broker's answers from the upstream's (those pass through unchanged).
 */
final class ProxyErrors {

    /** The header that marks an answer as the broker's, not the upstream's. */
    static final String MARKER = "X-Token-Broker-Error";

    private ProxyErrors() {
    }

    static void send(HttpServerRequest request, ErrorAnswer answer, boolean close) {
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
        response.putHeader(MARKER, "true");
        if (close) {
            ClosingConnections.answerThenClose(request, () -> ErrorWriter.write(response, Door.PROXY, answer));
        } else {
            ErrorWriter.write(response, Door.PROXY, answer);
        }
    }
}
