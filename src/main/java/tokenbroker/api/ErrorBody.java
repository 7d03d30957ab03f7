package tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Every error the token interface answers: the OAuth shape, never a token, a secret or a stack trace. */
public record ErrorBody(String error, @JsonProperty("error_description") String errorDescription) {
}
