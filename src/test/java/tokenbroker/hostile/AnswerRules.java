package tokenbroker.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules every answer of the token interface keeps, whatever it was asked (SPEC §3, docs/security.md): never a
 * 5xx, never a stack trace or a class name, never a header the request smuggled in, {@code Cache-Control: no-store}
 * and the OAuth error shape on every answer that has a body; a refusal is a 4xx (ours in JSON, or the HTTP
 * codec's bare status line) or a closed connection, and never carries a token.
 */
public final class AnswerRules {

    /** An answer as the rules see it, from a raw socket or from rest-assured. */
    public interface Reply {
        /** -1 when the connection closed without an answer. */
        int status();

        String header(String name);

        String body();

        /** A status line without body or content type: Vert.x's codec, or Quarkus before routing. */
        boolean bare();
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a stack trace, an exception or Quarkus' error page would show. */
    private static final Pattern INTERNALS = Pattern.compile("(?i)exception|throwable|\\bat [a-z][\\w$]*(\\.[\\w$]+)+\\("
            + "|\\b(java|javax|jakarta|io\\.vertx|io\\.netty|io\\.quarkus|io\\.smallrye|org\\.jboss|com\\.fasterxml|tokenbroker)\\."
            + "|error id|\"details\"|\"stack\"");
    /** Headers that only an injected CR LF or a permissive CORS layer would produce. */
    private static final List<String> FOREIGN_HEADERS = List.of("set-cookie", "x-injected", "location",
            "access-control-allow-origin", "access-control-allow-headers");

    private AnswerRules() {
    }

    public static Reply of(RawHttp.Answer answer) {
        return new Reply() {
            public int status() {
                return answer.status();
            }

            public String header(String name) {
                return answer.header(name);
            }

            public String body() {
                return answer.body();
            }

            public boolean bare() {
                return answer.bare();
            }

            @Override
            public String toString() {
                return answer.toString();
            }
        };
    }

    public static Reply of(io.restassured.response.Response response) {
        String body = response.asString();
        return new Reply() {
            public int status() {
                return response.statusCode();
            }

            public String header(String name) {
                return response.header(name);
            }

            public String body() {
                return body;
            }

            public boolean bare() {
                return body.isEmpty() && response.contentType().isEmpty();
            }

            @Override
            public String toString() {
                return response.statusLine() + " " + response.headers().asList() + " " + body;
            }
        };
    }

    /** The rules of every answer, refused or not. */
    public static void assertSafe(String what, Reply reply) {
        assertThat(reply.status()).as("%s: status of %s", what, reply).isLessThan(500);
        assertThat(reply.body()).as("%s: internals in %s", what, reply).doesNotContainPattern(INTERNALS);
        assertThat(reply.body().chars().noneMatch(c -> c < 0x20 || c == 0x7f))
                .as("%s: control characters in the body of %s", what, reply).isTrue();
        for (String header : FOREIGN_HEADERS) {
            assertThat(reply.header(header)).as("%s: header %s in %s", what, header, reply).isNull();
        }
        if (reply.status() > 0 && !reply.bare()) {
            assertThat(reply.header("Cache-Control")).as("%s: Cache-Control of %s", what, reply).isEqualTo("no-store");
        }
        if (reply.status() >= 400 && !reply.body().isEmpty()) {
            errorBody(what, reply); // an empty body: the codec's bare answer, or the answer to a HEAD
        }
    }

    /** A refusal: the rules above, a 4xx or a closed connection, and none of {@code tokens} nor any token field. */
    public static void assertRefused(String what, Reply reply, Collection<String> tokens) {
        assertSafe(what, reply);
        if (reply.status() > 0) {
            assertThat(reply.status()).as("%s: status of %s", what, reply).isBetween(400, 499);
        }
        assertNoToken(what, reply.body(), tokens);
    }

    /** Neither a token of {@code tokens} nor an {@code access_token} field in {@code text}. */
    public static void assertNoToken(String what, String text, Collection<String> tokens) {
        assertThat(text).as("%s: a token field in %s", what, text).doesNotContain("access_token");
        for (String token : tokens) {
            assertThat(text).as("%s: the token in %s", what, text).doesNotContain(token);
        }
    }

    /** Our JSON error with this status and code; returns its description. */
    public static String assertJsonError(String what, Reply reply, int status, String error) {
        assertSafe(what, reply);
        assertThat(reply.status()).as("%s: status of %s", what, reply).isEqualTo(status);
        assertThat(reply.bare()).as("%s: a bare answer where JSON was due: %s", what, reply).isFalse();
        Map<String, Object> body = errorBody(what, reply);
        if (error != null) {
            assertThat(body).as("%s: %s", what, reply).containsEntry("error", error);
        }
        return (String) body.get("error_description");
    }

    /** A 200 with a token for {@code resource}, in the JSON shape of any of the three APIs; returns the token. */
    public static String assertToken(String what, Reply reply) {
        assertSafe(what, reply);
        assertThat(reply.status()).as("%s: status of %s", what, reply).isEqualTo(200);
        Map<String, Object> body = json(what, reply);
        assertThat(body.get("access_token")).as("%s: %s", what, reply).isInstanceOf(String.class);
        return (String) body.get("access_token");
    }

    private static Map<String, Object> errorBody(String what, Reply reply) {
        assertThat(reply.header("Content-Type")).as("%s: Content-Type of %s", what, reply).startsWith("application/json");
        Map<String, Object> body = json(what, reply);
        if (body.containsKey("statusCode")) {
            // The App Service door's shape (SPEC §3.2): App Service's own fields as well as ours, saying the same.
            assertThat(body).as("%s: error body %s", what, reply)
                    .containsOnlyKeys("statusCode", "message", "error", "error_description");
            assertThat(body.get("statusCode")).as("%s: %s", what, reply).isEqualTo(reply.status());
            assertThat(body.get("message")).as("%s: %s", what, reply)
                    .isEqualTo(body.get("error") + ": " + body.get("error_description"));
        } else {
            assertThat(body).as("%s: error body %s", what, reply).containsOnlyKeys("error", "error_description");
        }
        assertThat(body.get("error")).as("%s: %s", what, reply).isInstanceOf(String.class);
        assertThat(body.get("error_description")).as("%s: %s", what, reply).isInstanceOf(String.class);
        return body;
    }

    private static Map<String, Object> json(String what, Reply reply) {
        try {
            return JSON.readValue(reply.body(), new TypeReference<Map<String, Object>>() {
            });
        } catch (IOException e) {
            throw new AssertionError(what + ": not a JSON object: " + reply, e);
        }
    }
}
