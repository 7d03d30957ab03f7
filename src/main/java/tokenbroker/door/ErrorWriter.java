package tokenbroker.door;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one writer of error answers: the JSON body of each door, {@code Cache-Control: no-store}, and the one place
 * {@code Retry-After} is written. Bodies are {@code {"error", "error_description"}}; the App Service door adds
 * App Service's own {@code statusCode} and {@code message} (SPEC §3.2), which MSAL-based SDKs read;
 * {@code message} is {@code "<error>: <error_description>"}.
 */
public final class ErrorWriter {

    private ErrorWriter() {
    }

    /** The JSON body of {@code answer} on {@code door}, escaped by Vert.x' JSON codec. */
    public static Buffer body(Door door, ErrorAnswer answer) {
        JsonObject json = new JsonObject();
        if (door == Door.MSI) {
            // MSAL shows only these two fields (Python: "invalid_scope: <statusCode>, <message>"): the code goes in too.
            json.put("statusCode", answer.status()).put("message", answer.error() + ": " + answer.description());
        }
        return json.put("error", answer.error()).put("error_description", answer.description()).toBuffer();
    }

    /** The {@code Retry-After} value of {@code answer}, or {@code null}. */
    public static String retryAfter(ErrorAnswer answer) {
        return answer.retryAfter() == null ? null : Long.toString(Math.max(1, answer.retryAfter().toSeconds()));
    }

    /** Writes {@code answer} unless an answer was already written. */
    public static Future<Void> write(HttpServerResponse response, Door door, ErrorAnswer answer) {
        if (response.ended()) {
            return Future.succeededFuture();
        }
        response.setStatusCode(answer.status())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        String retryAfter = retryAfter(answer);
        if (retryAfter != null) {
            response.putHeader(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return response.end(body(door, answer));
    }
}
