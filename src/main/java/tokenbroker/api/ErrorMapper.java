package tokenbroker.api;

import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import tokenbroker.cache.MinTtlUnreachableException;
import tokenbroker.cache.RefreshThrottledException;
import tokenbroker.cache.TokenUnavailableException;

/**
 * The one place where failures become HTTP answers on the native API: the OAuth error shape, {@code 503} with
 * {@code Retry-After} when the IdP cannot be reached now, {@code 502} when it refused us. Never a stack trace.
 */
public class ErrorMapper {

    @ServerExceptionMapper
    public Response unavailable(TokenUnavailableException e) {
        if (e.failure().retryable()) {
            return error(503, "temporarily_unavailable", e.getMessage())
                    .header("Retry-After", Long.toString(e.retryAfter().toSeconds())).build();
        }
        return error(502, "idp_error", e.getMessage()).build();
    }

    @ServerExceptionMapper
    public Response throttled(RefreshThrottledException e) {
        return error(503, "temporarily_unavailable", e.getMessage())
                .header("Retry-After", Long.toString(e.retryAfter().toSeconds())).build();
    }

    @ServerExceptionMapper
    public Response refused(ApiError e) {
        return error(e.status(), e.error(), e.getMessage()).build();
    }

    @ServerExceptionMapper
    public Response minTtl(MinTtlUnreachableException e) {
        return error(400, "invalid_request", e.getMessage()).build();
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse() == null ? 400 : e.getResponse().getStatus();
        if (status >= 500) {
            Log.errorf("api: %s", e.getClass().getSimpleName());
            return error(500, "server_error", "internal error").build();
        }
        return error(status, HttpErrors.code(status), HttpErrors.description(status)).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        Log.errorf(e, "api: unexpected %s", e.getClass().getSimpleName());
        return error(500, "server_error", "internal error").build();
    }

    static Response.ResponseBuilder error(int status, String code, String description) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, description));
    }
}
