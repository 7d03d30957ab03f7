package tokenbroker.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockResource;

/**
 * The fake IdP of the fault, metrics and soak tests: WireMock on 127.0.0.1, and the broker configuration that
 * points at it. Independent of {@link tokenbroker.testing.WireMockIdp} (whose setups belong to the API tests), but
 * with the same conventions: resources told apart by their {@code scope}, and a scope starting with
 * {@value IdpStubs#BOOT_503} answered 503 until a test stubs it, so that a test gives such a resource its first
 * token itself, at a known instant of its fake clock.
 *
 * <ul>
 * <li>{@value #FAULTS}: identities {@code main} and {@code metered}, one resource per fault
 * ({@link #FAULT_RESOURCES}) and the metrics test's resources ({@code m-*}); a 2 s IdP deadline; the scheduled
 * sweep off (tests tick).</li>
 * <li>{@value #SOAK}: resources {@code soak-a} and {@code soak-b}, 20 s tokens, the real clock, and the sweep on
 * every 200 ms with {@code min-serve-ttl=5s}, {@code backoff-max=3s}, {@code force-interval=2s} and a 2 s
 * deadline.</li>
 * </ul>
 */
public class FaultyIdp extends WireMockResource {

    public static final String SETUP = "setup";
    public static final String FAULTS = "faults";
    public static final String SOAK = "soak";

    static final String[] FAULT_RESOURCES = { "fault-slow", "fault-reset", "fault-empty", "fault-random", "fault-5xx",
            "fault-429", "fault-json", "life-zero", "life-negative", "life-decade", "life-overflow" };
    /** The metrics test's resources, all of identity {@code metered}; {@code m-empty} never gets a token. */
    static final String[] METRIC_RESOURCES = { "m-main", "m-first", "m-rejected", "m-unreachable", "m-malformed", "m-empty" };
    /** The soak's resources and their lifetime. */
    static final String[] SOAK_RESOURCES = { "soak-a", "soak-b" };
    static final long SOAK_LIFETIME_SECONDS = 20;

    private String setup = FAULTS;

    @Override
    public void init(Map<String, String> initArgs) {
        setup = initArgs.getOrDefault(SETUP, FAULTS);
    }

    @Override
    public Map<String, String> start() {
        startServer(60);
        String anyTokenPath = "/(.*/)?token";
        server.stubFor(post(urlPathMatching(anyTokenPath)).atPriority(10).willReturn(SOAK.equals(setup)
                ? soakToken() : IdpStubs.token("boot", 3600)));
        server.stubFor(post(urlPathMatching(anyTokenPath)).atPriority(9)
                .withFormParam("scope", matching(Pattern.quote(IdpStubs.BOOT_503) + ".*"))
                .willReturn(IdpStubs.oauthError(503, "temporarily_unavailable", "the fake IdP is starting")));
        warmUp();
        try {
            createDir("token-broker-faults");
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.http.test-port", "0");
            config.put("quarkus.management.test-port", "0");
            config.put("broker.idp.timeout", "2s");
            identity(config, "main", "faults-client");
            if (SOAK.equals(setup)) {
                config.put("broker.refresh.sweep-interval", "200ms");
                config.put("broker.refresh.min-serve-ttl", "5s");
                config.put("broker.refresh.backoff-max", "3s");
                // The soak forces a refresh at the start of each fault of its first round, 5 s apart.
                config.put("broker.refresh.force-interval", "2s");
                for (String name : SOAK_RESOURCES) {
                    resource(config, name, "soak." + name, "main");
                }
            } else {
                config.put("broker.refresh.sweep-interval", "off");
                for (String name : FAULT_RESOURCES) {
                    resource(config, name, IdpStubs.BOOT_503 + name, "main");
                }
                identity(config, "metered", "metrics-client");
                for (String name : METRIC_RESOURCES) {
                    resource(config, name, IdpStubs.BOOT_503 + name, "metered");
                }
            }
            return config;
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new {@value #SOAK_LIFETIME_SECONDS} s token on every request; its value starts with the epoch millisecond at
     * which the IdP issued it, so that a test can tell how long it really has left, whatever the broker says.
     */
    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder soakToken() {
        return IdpStubs.json(200, "{\"access_token\":\"soak-{{now format='epoch'}}-{{randomValue length=16 type='ALPHANUMERIC'}}\","
                + "\"token_type\":\"Bearer\",\"expires_in\":" + SOAK_LIFETIME_SECONDS + "}").withTransformers("response-template");
    }

    private void identity(Map<String, String> config, String name, String clientId) throws IOException {
        config.put("broker.identities." + name + ".client-id", clientId);
        config.put("broker.identities." + name + ".token-url", "http://127.0.0.1:" + server.port() + IdpStubs.TOKEN_PATH);
        config.put("broker.identities." + name + ".secret-file",
                Files.writeString(dir.resolve(name + ".secret"), "secret-" + name + "-" + System.nanoTime() + "\n").toString());
    }

    private static void resource(Map<String, String> config, String name, String scope, String identity) {
        config.put("broker.resources." + name + ".scopes", scope);
        config.put("broker.resources." + name + ".identity", identity);
    }
}
