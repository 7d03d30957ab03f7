package tokenbroker.azure.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The answers of the fake Entra token endpoint, shaped as Entra's: {@code 200 {token_type, expires_in: 3599,
 * ext_expires_in, access_token}} with a JWT-shaped app-only token, or an error body with {@code error},
 * {@code error_description} ("AADSTS...: ..." then Trace ID, Correlation ID and Timestamp on new lines),
 * {@code error_codes}, {@code timestamp}, {@code trace_id}, {@code correlation_id} and {@code error_uri}.
 */
final class EntraResponses {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final ObjectMapper json;
    private final FakeEntra entra;
    private final AtomicLong issued = new AtomicLong();

    EntraResponses(ObjectMapper json, FakeEntra entra) {
        this.json = json;
        this.entra = entra;
    }

    ResponseDefinition token(String accessToken, String correlation) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        body.put("expires_in", FakeEntra.TOKEN_LIFETIME_SECONDS);
        body.put("ext_expires_in", FakeEntra.TOKEN_LIFETIME_SECONDS);
        body.put("access_token", accessToken);
        return answer(200, body, correlation);
    }

    ResponseDefinition error(EntraRejection rejection, String correlation, Instant now) {
        String trace = UUID.randomUUID().toString();
        String stamp = TIMESTAMP.format(now);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", rejection.error());
        body.put("error_description", rejection.getMessage() + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlation
                + "\r\nTimestamp: " + stamp);
        body.put("error_codes", List.of(rejection.code()));
        body.put("timestamp", stamp);
        body.put("trace_id", trace);
        body.put("correlation_id", correlation);
        body.put("error_uri", entra.authorityHost() + "/error?code=" + rejection.code());
        return answer(rejection.status(), body, correlation);
    }

    /** An app-only token shaped like Entra's (a JWT with {@code aud}, {@code tid}, {@code appid}); its signature is fake. */
    String accessToken(FakeEntra.App app, String resource, String auth, Instant now) {
        long n = issued.incrementAndGet();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", resource);
        claims.put("iss", "https://sts.windows.net/" + app.tenant() + "/");
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.getEpochSecond() + FakeEntra.TOKEN_LIFETIME_SECONDS);
        claims.put("appid", app.clientId());
        claims.put("appidacr", auth.startsWith("client_secret") ? "1" : "2");
        claims.put("idtyp", "app");
        claims.put("tid", app.tenant());
        claims.put("uti", "fake-" + n);
        claims.put("ver", "1.0");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(bytes(Map.of("typ", "JWT", "alg", "RS256", "kid", "fake-entra"))) + "."
                + b64.encodeToString(bytes(claims)) + "." + b64.encodeToString(("fake-entra-signature-" + n).getBytes(StandardCharsets.US_ASCII));
    }

    private ResponseDefinition answer(int status, Map<String, Object> body, String correlation) {
        return new ResponseDefinitionBuilder().withStatus(status)
                .withHeaders(new HttpHeaders(
                        new HttpHeader("Content-Type", "application/json; charset=utf-8"),
                        new HttpHeader("Cache-Control", "no-store, no-cache"),
                        new HttpHeader("Pragma", "no-cache"),
                        new HttpHeader("client-request-id", correlation),
                        new HttpHeader("x-ms-request-id", UUID.randomUUID().toString())))
                .withBody(bytes(body))
                .build();
    }

    private byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
