package tokenbroker.door;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Turns an HTTP request on a token door into its {@link TokenRequest}, one reading for every door: query names are
 * case-sensitive ({@code API-VERSION} is not {@code api-version}), only {@code &} separates parameters, a parameter
 * with an empty value ({@code ?min_ttl}, {@code ?min_ttl=}) counts as absent, unknown parameters are ignored, and a
 * repeated parameter is ambiguous, hence malformed. A matrix parameter on the native API's resource name
 * ({@code /v1/tokens/graph;a=b}) is not part of the name. Parsing records the first
 * problem and never refuses: {@link TokenService} decides when it matters.
 *
 * <p>Netty's {@code QueryStringDecoder} does the percent-decoding (UTF-8, {@code +} as a space); Vert.x Web's
 * {@code queryParams()} is not used, because it reads names case-insensitively and splits on {@code ;} too.
 */
public final class TokenRequests {

    static final String APP_SERVICE_API_VERSION = "2019-08-01";
    static final long MAX_MIN_TTL_SECONDS = 86_400;
    private static final int MAX_PARAMETERS = 64;

    private TokenRequests() {
    }

    /** {@code GET /v1/tokens/{resource}[?min_ttl=S][&force_refresh=true]}. */
    public static TokenRequest nativeApi(HttpServerRequest http, String segment) {
        int matrix = segment == null ? -1 : segment.indexOf(';');
        String resource = matrix < 0 ? segment : segment.substring(0, matrix);
        boolean guarded = "true".equalsIgnoreCase(http.getHeader("Metadata"));
        String secret = http.getHeader("X-IDENTITY-HEADER");
        boolean plain = wantsPlainText(http.getHeader(HttpHeaders.ACCEPT));
        String query = http.query();
        if (query == null && !plain) {
            return TokenRequest.plain(Door.NATIVE, guarded, secret, resource); // the common request: no map, no list
        }
        Parameters p = new Parameters(query);
        Duration minTtl = minTtl(p.single("min_ttl"), p);
        boolean force = flag("force_refresh", p.single("force_refresh"), p);
        return new TokenRequest(Door.NATIVE, guarded, secret, resource, null, minTtl, force, plain, p.problem());
    }

    /** {@code GET /msi/token?api-version=2019-08-01&resource=R[&client_id=C]} with {@code X-IDENTITY-HEADER}. */
    public static TokenRequest appService(HttpServerRequest http) {
        String secret = http.getHeader("X-IDENTITY-HEADER");
        Parameters p = new Parameters(http.query());
        if (!APP_SERVICE_API_VERSION.equals(p.single("api-version"))) {
            p.fail(Refusal.badRequest("api-version must be " + APP_SERVICE_API_VERSION));
        }
        p.unsupported("mi_res_id", "principal_id", "object_id");
        return azure(Door.MSI, secret != null && !secret.isEmpty(), secret, p);
    }

    /** {@code GET /metadata/identity/oauth2/token?api-version=V&resource=R[&client_id=C]} with {@code Metadata: true}. */
    public static TokenRequest imds(HttpServerRequest http) {
        boolean guarded = "true".equalsIgnoreCase(http.getHeader("Metadata"));
        Parameters p = new Parameters(http.query());
        String version = p.single("api-version");
        if (version == null || version.isBlank()) {
            p.fail(Refusal.badRequest("the api-version parameter is required, e.g. 2018-02-01"));
        }
        p.unsupported("mi_res_id", "object_id");
        return azure(Door.IMDS, guarded, http.getHeader("X-IDENTITY-HEADER"), p);
    }

    private static TokenRequest azure(Door door, boolean guarded, String secret, Parameters p) {
        String resource = p.single("resource");
        String clientId = p.single("client_id");
        if (resource == null || resource.isBlank()) {
            p.fail(Refusal.badRequest("the resource parameter is required"));
        }
        return new TokenRequest(door, guarded, secret, resource, clientId, Duration.ZERO, false, false, p.problem());
    }

    static Duration minTtl(String value, Parameters p) {
        if (value == null) {
            return Duration.ZERO;
        }
        // ASCII digits only: Long.parseLong also reads the digits of other scripts (U+0661 ARABIC-INDIC ONE is 1).
        if (value.matches("[0-9]{1,6}")) {
            long seconds = Long.parseLong(value);
            if (seconds <= MAX_MIN_TTL_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        }
        p.fail(Refusal.badRequest("min_ttl must be a whole number of seconds from 0 to " + MAX_MIN_TTL_SECONDS));
        return Duration.ZERO;
    }

    static boolean flag(String name, String value, Parameters p) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        p.fail(Refusal.badRequest(name + " must be true or false"));
        return false;
    }

    /** Plain text only when the caller prefers it to JSON; q-values are not weighed. */
    static boolean wantsPlainText(String accept) {
        if (accept == null) {
            return false;
        }
        int plain = accept.indexOf("text/plain");
        int json = accept.indexOf("application/json");
        return plain >= 0 && (json < 0 || plain < json);
    }

    /** A query's parameters and the first problem found in them. */
    static final class Parameters {

        private final Map<String, List<String>> values;
        private Refusal problem;

        Parameters(String query) {
            Map<String, List<String>> decoded = Map.of();
            if (query != null && !query.isEmpty()) {
                try {
                    decoded = new QueryStringDecoder(query, StandardCharsets.UTF_8, false, MAX_PARAMETERS, true).parameters();
                } catch (IllegalArgumentException e) {
                    problem = Refusal.badRequest("the query is not valid percent-encoded UTF-8");
                }
            }
            this.values = decoded;
        }

        /** The one non-empty value of {@code name}, or {@code null}; a repeated parameter is a problem. */
        String single(String name) {
            List<String> all = values.get(name);
            String found = null;
            for (String value : all == null ? List.<String>of() : all) {
                if (value.isEmpty()) {
                    continue;
                }
                if (found != null) {
                    fail(Refusal.badRequest("the " + name + " parameter is repeated"));
                    break;
                }
                found = value;
            }
            return found;
        }

        void unsupported(String... names) {
            for (String name : names) {
                if (values.containsKey(name)) {
                    fail(Refusal.badRequest(String.join(", ", names) + " are not supported: choose with client_id"));
                }
            }
        }

        /** The first problem found, or {@code null}. */
        Refusal problem() {
            return problem;
        }

        void fail(Refusal refusal) {
            if (problem == null) {
                problem = refusal;
            }
        }
    }
}
