package tokenbroker.door;

import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Connections closed after an answer, because a body was left unread or the request was ambiguous: an unread body
 * must never be taken for the next request on the connection. Shared by the token port's guards and the proxy routes.
 *
 * <p>Vert.x hands a request pipelined behind the refused one to the handler within the refusal's {@code end()}, before
 * the connection is closed: {@link #closing} tells a handler not to serve it. A connection leaves the set once closed.
 * Concurrent and lock-free: every request on every event loop reads it.
 */
public final class ClosingConnections {

    private static final Set<HttpConnection> CLOSING = ConcurrentHashMap.newKeySet();

    private ClosingConnections() {
    }

    /** Whether {@code request} arrived on a connection that is being closed after an answer. */
    public static boolean closing(HttpServerRequest request) {
        return CLOSING.contains(request.connection());
    }

    /**
     * Writes the answer with {@code Connection: close}, then closes the connection. Vert.x keeps an HTTP/1.1
     * connection open whatever the answer's {@code Connection} header says, hence the close.
     */
    public static void answerThenClose(HttpServerRequest request, Supplier<Future<Void>> answer) {
        HttpConnection connection = request.connection();
        CLOSING.add(connection);
        request.response().putHeader(HttpHeaders.CONNECTION, "close");
        answer.get().onComplete(written -> connection.close().onComplete(closed -> CLOSING.remove(connection)));
    }
}
