package tokenbroker.door.dto;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import tokenbroker.token.AccessToken;

/** The IMDS token answer (SPEC §3.3): every value a string, {@code refresh_token} empty. */
@RegisterForReflection
public record ImdsTokenBody(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("refresh_token") String refreshToken,
        @JsonProperty("expires_in") String expiresIn,
        @JsonProperty("expires_on") String expiresOn,
        @JsonProperty("not_before") String notBefore,
        @JsonProperty("resource") String resource,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("client_id") String clientId) {

    public static ImdsTokenBody of(AccessToken token, String resource, String clientId, Instant now) {
        long expiresIn = Math.max(0, token.expiresAt().getEpochSecond() - now.getEpochSecond());
        return new ImdsTokenBody(token.value(), "", Long.toString(expiresIn), Long.toString(token.expiresAt().getEpochSecond()),
                Long.toString(token.obtainedAt().getEpochSecond()), resource, "Bearer", clientId);
    }

    @Override
    public String toString() {
        return "ImdsTokenBody[resource=" + resource + ", accessToken=<redacted>]";
    }
}
