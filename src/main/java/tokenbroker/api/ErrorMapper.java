package tokenbroker.api;

import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.ErrorWriter;

/**
 * Failures of the JAX-RS endpoints ({@code /v1/resources}) as HTTP answers: {@link ErrorPolicy}'s answer, in
 * {@link ErrorWriter}'s body, on the native door. Never a stack trace.
 */
public class ErrorMapper {

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse() == null ? 400 : e.getResponse().getStatus();
        if (status >= 500) {
            Log.errorf("api: %s", e.getClass().getSimpleName());
        }
        return toResponse(ErrorPolicy.forStatus(status));
    }

    @ServerExceptionMapper
    public Response failed(Throwable e) {
        return toResponse(ErrorPolicy.answer(Door.NATIVE, e));
    }

    static Response toResponse(ErrorAnswer answer) {
        Response.ResponseBuilder response = Response.status(answer.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").entity(ErrorWriter.body(Door.NATIVE, answer).getBytes());
        String retryAfter = ErrorWriter.retryAfter(answer);
        return retryAfter == null ? response.build() : response.header("Retry-After", retryAfter).build();
    }
}
