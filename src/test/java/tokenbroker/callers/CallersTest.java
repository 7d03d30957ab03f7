package tokenbroker.callers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.callers.CallerFiles.A;
import static tokenbroker.callers.CallerFiles.B;
import static tokenbroker.callers.CallerFiles.R1;
import static tokenbroker.callers.CallerFiles.R2;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tokenbroker.cache.TokenCache;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.hostile.AnswerRules;
import tokenbroker.hostile.RawHttp;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.WireMockIdp;

/**
 * Callers (SPEC §2, docs/security.md) on every token endpoint: a missing or unknown caller secret is 401
 * {@code invalid_caller}, another caller's resource is 403 {@code access_denied}, one's own resource is 200, and
 * {@code /v1/resources} lists only one's own. A rotated secret file takes effect at the next
 * {@link CallerRegistry#reload()}, without a restart; a deleted one leaves the previous secret in force. No refusal
 * ever carries a token.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.API))
@WithTestResource(CallerFiles.class)
class CallersTest {

    /** The three token APIs, asked for a resource with a caller secret in {@code X-IDENTITY-HEADER} (none if null). */
    enum Api {
        NATIVE {
            Response token(String secret, String resource) {
                return caller(secret).header("Metadata", "true").get("/v1/tokens/{r}", resource);
            }
        },
        APP_SERVICE {
            Response token(String secret, String resource) {
                return caller(secret).queryParam("api-version", "2019-08-01").queryParam("resource", "api://" + resource)
                        .get("/msi/token");
            }
        },
        IMDS {
            Response token(String secret, String resource) {
                return caller(secret).header("Metadata", "true").queryParam("api-version", "2018-02-01")
                        .queryParam("resource", "api://" + resource + "/").get("/metadata/identity/oauth2/token");
            }
        };

        abstract Response token(String secret, String resource);
    }

    @Inject
    CallerRegistry registry;

    @Inject
    TokenCache cache;

    /** The cached tokens of r1 and r2, which no refusal may carry. */
    private List<String> tokens;
    /** The secrets of a and b, which no answer may carry either. */
    private List<String> secrets;

    @BeforeEach
    void tokensAreCached() throws IOException {
        secrets = List.of(secret(A), secret(B));
        tokens = List.of(cachedToken(R1), cachedToken(R2));
    }

    @ParameterizedTest
    @EnumSource(value = Api.class, names = { "NATIVE", "IMDS" })
    void token_withoutCallerSecret_is401(Api api) {
        refused(api + " without a secret", api.token(null, R1), 401, "invalid_caller");
        refused(api + " with an empty secret", api.token("", R1), 401, "invalid_caller");
    }

    @Test
    void msiToken_withoutCallerSecret_is400AsDocumented() {
        // docs/azure.md: on /msi/token the header is also the SSRF guard, so its absence is a 400 (as a missing
        // Metadata header is on the other APIs); an unknown value is a 401 (token_withUnknownSecret_is401).
        refused("App Service without a secret", Api.APP_SERVICE.token(null, R1), 400, "invalid_request");
        refused("App Service with an empty secret", Api.APP_SERVICE.token("", R1), 400, "invalid_request");
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void token_withUnknownSecret_is401(Api api) throws IOException {
        String a = secret(A);
        for (String unknown : List.of("wrong", a + "x", a.substring(0, a.length() - 1), a.toUpperCase(),
                new StringBuilder(secret(B)).reverse().toString(), CallerFiles.secretFile(A).toString(), "null", "*")) {
            refused(api + " with secret " + unknown, api.token(unknown, R1), 401, "invalid_caller");
        }
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void token_otherCallersResource_is403(Api api) throws IOException {
        refused(api + ": a asks for r2", api.token(secret(A), R2), 403, "access_denied");
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void token_ownResource_is200(Api api) throws IOException {
        assertThat(token(api, secret(A), R1)).isEqualTo(tokens.get(0));
        assertThat(token(api, secret(B), R1)).isEqualTo(tokens.get(0));
        assertThat(token(api, secret(B), R2)).isEqualTo(tokens.get(1));
    }

    @Test
    void resources_listsOnlyTheCallersOwn() throws IOException {
        assertThat(resourceNames(secret(A))).containsExactly(R1);
        List<String> all = cache.slots().stream().map(slot -> slot.resource().name()).toList();
        assertThat(resourceNames(secret(B))).containsExactlyInAnyOrderElementsOf(all).contains(R1, R2);
        refused("resources without a secret", resources(null), 401, "invalid_caller");
        refused("resources with an unknown secret", resources("wrong"), 401, "invalid_caller");
        refused("resources without Metadata", caller(secret(B)).get("/v1/resources"), 400, "invalid_request");
    }

    @Test
    void reload_afterSecretFileRewritten_refusesTheOldSecretAndAcceptsTheNew() throws IOException {
        Path file = CallerFiles.secretFile(A);
        String original = Files.readString(file);
        String old = original.strip();
        String rotated = CallerFiles.newSecret(A);
        try {
            Files.writeString(file, rotated);
            // Not yet reloaded: the registry still knows the old secret only.
            assertThat(token(Api.NATIVE, old, R1)).isEqualTo(tokens.get(0));
            refused("rotated, not reloaded", Api.NATIVE.token(rotated.strip(), R1), 401, "invalid_caller");

            registry.reload();
            for (Api api : Api.values()) {
                refused(api + " with the old secret", api.token(old, R1), 401, "invalid_caller");
                assertThat(token(api, rotated.strip(), R1)).as(api.name()).isEqualTo(tokens.get(0));
                refused(api + ": the new secret keeps a's rights", api.token(rotated.strip(), R2), 403, "access_denied");
            }
            refused("resources with the old secret", resources(old), 401, "invalid_caller");
            assertThat(resourceNames(rotated.strip())).containsExactly(R1);
            assertThat(token(Api.NATIVE, secret(B), R2)).as("b is not affected").isEqualTo(tokens.get(1));
        } finally {
            Files.writeString(file, original);
            registry.reload();
        }
    }

    @Test
    void reload_afterSecretFileDeletedOrEmptied_keepsThePreviousSecret() throws IOException {
        Path file = CallerFiles.secretFile(A);
        String original = Files.readString(file);
        try {
            // Documented (CallerRegistry.reload): an unreadable file keeps the caller's previous secret, so that a
            // Secret volume being re-projected never locks a caller out. An empty file counts as unreadable.
            Files.delete(file);
            registry.reload();
            for (Api api : Api.values()) {
                assertThat(token(api, original.strip(), R1)).as("%s after the file was deleted", api).isEqualTo(tokens.get(0));
                refused(api + " after the file was deleted", api.token(original.strip(), R2), 403, "access_denied");
            }
            Files.writeString(file, "\n");
            registry.reload();
            assertThat(token(Api.NATIVE, original.strip(), R1)).as("after the file was emptied").isEqualTo(tokens.get(0));
            refused("an empty secret never matches the emptied file", Api.NATIVE.token("", R1), 401, "invalid_caller");
        } finally {
            Files.writeString(file, original);
            registry.reload();
        }
    }

    @Test
    void token_withMalformedSecretHeader_isRefused() {
        String a = secrets.get(0);
        String b = secrets.get(1);
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("a's secret and a NUL", a + "\u0000");
        rows.put("a's secret and a control character", a + "\u0001");
        rows.put("a's secret split by obs-fold", a.substring(0, 8) + "\r\n " + a.substring(8));
        rows.put("a's secret percent-encoded", a.replace("-", "%2D"));
        rows.put("a's secret in UTF-16", new String(a.getBytes(StandardCharsets.UTF_16), StandardCharsets.ISO_8859_1));
        rows.put("non-ASCII bytes", "\u00c3\u00a7\u00e2\u0080\u00ae");
        rows.put("a secret of 16 kB", "s".repeat(16 * 1024));
        rows.put("a's and b's secrets in one header", a + "," + b);
        // Two headers: the first one counts, so a's rights apply.
        rows.put("a's secret, then b's in a second header", a + "\r\nX-IDENTITY-HEADER: " + b);
        for (Map.Entry<String, String> row : rows.entrySet()) {
            RawHttp.Answer answer = RawHttp.exchange(RestAssured.port, "GET /v1/tokens/" + R2 + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Metadata: true\r\nX-IDENTITY-HEADER: " + row.getValue() + "\r\n\r\n", Duration.ZERO);
            AnswerRules.assertRefused(row.getKey(), AnswerRules.of(answer), tokens);
            AnswerRules.assertNoToken(row.getKey() + " (caller secrets)", answer.body(), secrets);
            assertThat(answer.status()).as("%s: %s", row.getKey(), answer).isIn(400, 401, 403);
        }
        // The control: header names are case-insensitive, and a's secret sent this way works.
        RawHttp.Answer control = RawHttp.exchange(RestAssured.port, "GET /v1/tokens/" + R1 + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "metadata: TRUE\r\nx-identity-header: " + a + "\r\n\r\n", Duration.ZERO);
        assertThat(AnswerRules.assertToken("lower-case header names", AnswerRules.of(control))).isEqualTo(tokens.get(0));
    }

    private String cachedToken(String resource) throws IOException {
        String b = secret(B);
        // Real time: if the start-up request failed on a busy machine, the first request after its 1 s backoff retries.
        return Eventually.until("a token for " + resource, Duration.ofSeconds(20), () -> {
            Response answer = Api.NATIVE.token(b, resource);
            return answer.statusCode() == 200 ? answer.jsonPath().getString("access_token") : null;
        });
    }

    /** The access token of a 200 from {@code api}; fails on any other answer. */
    private static String token(Api api, String secret, String resource) {
        return AnswerRules.assertToken(api + " " + resource, AnswerRules.of(api.token(secret, resource)));
    }

    /** Our JSON error with this status and code, carrying neither a token nor a caller secret. */
    private void refused(String what, Response answer, int status, String error) {
        AnswerRules.Reply reply = AnswerRules.of(answer);
        AnswerRules.assertJsonError(what, reply, status, error);
        AnswerRules.assertRefused(what, reply, tokens);
        AnswerRules.assertNoToken(what + " (caller secrets)", answer.asString(), secrets);
    }

    private static Response resources(String secret) {
        return caller(secret).header("Metadata", "true").get("/v1/resources");
    }

    private static List<String> resourceNames(String secret) {
        Response answer = resources(secret);
        AnswerRules.assertSafe("resources", AnswerRules.of(answer));
        answer.then().statusCode(200);
        assertThat(answer.asString()).doesNotContain("access_token");
        List<Map<String, Object>> resources = answer.jsonPath().getList("resources");
        return resources.stream().map(r -> (String) r.get("name")).toList();
    }

    private static String secret(String caller) throws IOException {
        return Files.readString(CallerFiles.secretFile(caller)).strip();
    }

    static RequestSpecification caller(String secret) {
        RequestSpecification request = given();
        return secret == null ? request : request.header("X-IDENTITY-HEADER", secret);
    }
}
