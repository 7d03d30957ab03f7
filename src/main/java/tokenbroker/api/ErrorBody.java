package tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Every error the token interface answers: the OAuth shape, never a token, a secret or a stack trace. */
@RegisterForReflection
public record ErrorBody(String error, @JsonProperty("error_description") String errorDescription) {
}
