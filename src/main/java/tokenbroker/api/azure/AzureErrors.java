package tokenbroker.api.azure;

import io.quarkus.logging.Log;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import tokenbroker.api.ApiError;
import tokenbroker.api.ErrorBody;
import tokenbroker.cache.TokenUnavailableException;

/**
 * Failures as the Azure SDKs should see them. The SDKs retry 404, 408, 410, 429 and 5xx for seconds to minutes,
 * so every permanent problem answers 400 (they fail at once and show our {@code error_description}); only a
 * brief IdP outage answers 503 with {@code Retry-After}.
 */
final class AzureErrors {

    private AzureErrors() {
    }

    static Response toResponse(Throwable failure) {
        if (failure instanceof ApiError e) {
            int status = e.status() == 401 || e.status() == 403 ? e.status() : 400;
            return error(status, e.error(), e.getMessage()).build();
        }
        if (failure instanceof TokenUnavailableException e) {
            if (e.failure().retryable()) {
                return error(503, "temporarily_unavailable", e.getMessage())
                        .header("Retry-After", Long.toString(e.retryAfter().toSeconds())).build();
            }
            return error(400, "idp_error", e.getMessage()).build();
        }
        Log.errorf(failure, "api: unexpected %s on an Azure endpoint", failure.getClass().getSimpleName());
        return error(500, "server_error", "internal error").build();
    }

    static Response.ResponseBuilder error(int status, String code, String description) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, description));
    }
}
