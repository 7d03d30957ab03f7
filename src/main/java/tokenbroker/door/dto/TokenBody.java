package tokenbroker.door.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.AccessToken;

/** The native API's token answer (SPEC §3.1). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@RegisterForReflection
public record TokenBody(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("expires_in") long expiresIn,
        @JsonProperty("expires_on") long expiresOn,
        @JsonProperty("resource") String resource,
        @JsonProperty("scope") String scope) {

    public static TokenBody of(AccessToken token, ResourceSpec resource, Instant now) {
        long expiresIn = Math.max(0, token.expiresAt().getEpochSecond() - now.getEpochSecond());
        String scope = token.scope() != null ? token.scope() : resource.scope();
        return new TokenBody(token.value(), "Bearer", expiresIn, token.expiresAt().getEpochSecond(), resource.name(), scope);
    }

    @Override
    public String toString() {
        return "TokenBody[resource=" + resource + ", expiresOn=" + expiresOn + ", accessToken=<redacted>]";
    }
}
