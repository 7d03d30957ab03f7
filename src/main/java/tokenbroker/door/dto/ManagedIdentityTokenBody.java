package tokenbroker.door.dto;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import tokenbroker.token.AccessToken;

/** The App Service managed-identity answer (SPEC §3.2): every value a string, as the Azure SDKs parse it. */
@RegisterForReflection
public record ManagedIdentityTokenBody(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("expires_on") String expiresOn,
        @JsonProperty("expires_in") String expiresIn,
        @JsonProperty("resource") String resource,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("client_id") String clientId) {

    public static ManagedIdentityTokenBody of(AccessToken token, String resource, String clientId, Instant now) {
        long expiresIn = Math.max(0, token.expiresAt().getEpochSecond() - now.getEpochSecond());
        return new ManagedIdentityTokenBody(token.value(), Long.toString(token.expiresAt().getEpochSecond()),
                Long.toString(expiresIn), resource, "Bearer", clientId);
    }

    @Override
    public String toString() {
        return "ManagedIdentityTokenBody[resource=" + resource + ", accessToken=<redacted>]";
    }
}
