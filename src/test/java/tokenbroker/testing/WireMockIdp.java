package tokenbroker.testing;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A fake identity provider for {@code @QuarkusTest}s: WireMock on 127.0.0.1 and a random port, and the broker
 * configuration that points at it. Credential files (secrets, key material made by {@link KeyStoreKeys}, a federated
 * assertion) are written to a temporary directory that {@link #stop()} deletes.
 *
 * <p>The {@value #SETUP} argument picks one of three brokers, each started once for all the test classes that
 * use it:
 * <ul>
 * <li>{@value #API}: one client-secret identity, many resources (one or a few per test);</li>
 * <li>{@value #FAILING_IDP}: resources {@code revoked} and {@code hanging}, a 2 s IdP deadline, so that readiness
 * reflects one failing resource only;</li>
 * <li>{@value #CREDENTIALS}: one identity per credential form (client_secret_basic, client_secret_post, PEM and
 * PKCS#12 certificates, an Entra tenant, a federated assertion) and a {@code rotating} secret, each with a
 * resource of the same name;</li>
 * <li>{@value #HOSTILE}: the {@value #API} setup, a resource {@code hostile} and a 2 s idle timeout, for the
 * hostile-input and front-door tests;</li>
 * <li>{@value #FILES}: token files ({@code broker.files.*}) of a few resources, each file in its own directory under
 * the temporary one, for {@code files/TokenFilesTest}.</li>
 * </ul>
 * Every setup turns the scheduled sweeps off ({@code broker.refresh.sweep-interval=off}): tests move the
 * application's {@link AppClock} and sweep their own slots ({@link OnFakeTime#sweep}); a class that has an
 * application to itself ({@code files/TokenFilesTest}) may call {@code RefreshSweeper.tick()}. The WireMock server goes into test fields
 * annotated {@link InjectWireMock}.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.API))
 * class SomeTest {
 *     @InjectWireMock WireMockServer idp;
 * }
 * }</pre>
 */
public class WireMockIdp extends WireMockResource {

    public static final String SETUP = "setup";
    public static final String API = "api";
    public static final String FAILING_IDP = "failing-idp";
    public static final String CREDENTIALS = "credentials";
    public static final String FILES = "files";
    public static final String HOSTILE = "hostile";
    /** The {@value #HOSTILE} setup's own resource, and its scope; the fake IdP gives it a token at start-up. */
    public static final String HOSTILE_RESOURCE = "hostile";
    public static final String HOSTILE_SCOPE = "hostile.read";
    /** The {@value #HOSTILE} setup's idle timeout; production has 60 s (application.properties). */
    public static final int HOSTILE_IDLE_TIMEOUT_SECONDS = 2;

    /** The client id of the {@value #API} and {@value #FAILING_IDP} setups. */
    public static final String CLIENT_ID = "broker-test-client";
    /** The Entra tenant of the {@value #CREDENTIALS} setup; its token path is {@code /{tenant}/oauth2/v2.0/token}. */
    public static final String ENTRA_TENANT = "contoso-test";
    /** The scope of the Entra resource (Entra scopes must end in {@code /.default}). */
    public static final String ENTRA_SCOPE = "api://wire-entra/.default";
    /** The kid configured for the PKCS#12 identity only. */
    public static final String P12_KEY_ID = "p12-key-1";

    private String setup = API;

    @Override
    public void init(Map<String, String> initArgs) {
        setup = initArgs.getOrDefault(SETUP, API);
    }

    @Override
    public Map<String, String> start() {
        startServer(40);
        IdpStubs.installBootStubs(server);
        warmUp();
        try {
            createDir("token-broker-http-test");
            Map<String, String> config = new HashMap<>();
            // Random ports: other worktrees may run their tests on this machine at the same time.
            config.put("quarkus.http.test-port", "0");
            config.put("quarkus.management.test-port", "0");
            config.put("broker.refresh.sweep-interval", "off");
            switch (setup) {
                case API -> api(config);
                case FAILING_IDP -> failingIdp(config);
                case CREDENTIALS -> credentials(config);
                case FILES -> files(config);
                case HOSTILE -> hostile(config);
                default -> throw new IllegalArgumentException("unknown setup " + setup);
            }
            return config;
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        }
    }

    /** The {@value #API} setup: its resources, by test. */
    private void api(Map<String, String> config) throws IOException {
        secretIdentity(config, "main", CLIENT_ID, tokenUrl());
        resource(config, "contract", "contract.read");
        for (String name : new String[] { "contract-fields", "contract-down", "contract-min-ttl", "contract-force", "single-flight", "refresh-window",
                "refresh-stale", "refresh-outage", "throttled", "malformed-text", "malformed-no-token",
                "malformed-no-expiry", "malformed-bad-expiry", "min-ttl-storm" }) {
            resource(config, name, IdpStubs.BOOT_503 + name);
        }
    }

    /**
     * The {@value #HOSTILE} setup: the {@value #API} setup (open mode: no callers, so that every refusal has a token
     * within reach), a resource of its own, and a short idle timeout, so that a stalled connection is closed while
     * the test waits. Test resources, not a test profile: a profile would cost a new build of the application.
     */
    private void hostile(Map<String, String> config) throws IOException {
        api(config);
        resource(config, HOSTILE_RESOURCE, HOSTILE_SCOPE);
        config.put("quarkus.http.idle-timeout", HOSTILE_IDLE_TIMEOUT_SECONDS + "s");
    }

    private void failingIdp(Map<String, String> config) throws IOException {
        secretIdentity(config, "main", CLIENT_ID, tokenUrl());
        config.put("broker.idp.timeout", "2s");
        resource(config, "revoked", IdpStubs.BOOT_503 + "revoked");
        resource(config, "hanging", "hanging.read");
    }

    private void credentials(Map<String, String> config) throws IOException {
        secretIdentity(config, "basic", "client-basic", tokenUrl());
        secretIdentity(config, "post", "client-post", tokenUrl());
        config.put("broker.identities.post.auth-method", "client_secret_post");
        secretIdentity(config, "rotating", "client-rotating", tokenUrl());

        KeyStoreKeys pemKeys = KeyStoreKeys.generate(dir.resolve("pem-source.p12"), randomWord(24), "token-broker-test-pem");
        Path certificate = dir.resolve("client.crt.pem");
        Path key = dir.resolve("client.key.pem");
        pemKeys.writePem(certificate, key);
        identity(config, "cert-pem", "client-cert-pem");
        config.put("broker.identities.cert-pem.token-url", tokenUrl());
        config.put("broker.identities.cert-pem.certificate-file", certificate.toString());
        config.put("broker.identities.cert-pem.key-file", key.toString());

        String password = randomWord(24);
        Path keyStore = dir.resolve("client.p12");
        KeyStoreKeys.generate(keyStore, password, "token-broker-test-p12");
        Path passwordFile = write("client.p12.password", password + "\n");
        identity(config, "cert-p12", "client-cert-p12");
        config.put("broker.identities.cert-p12.token-url", tokenUrl());
        config.put("broker.identities.cert-p12.certificate-file", keyStore.toString());
        config.put("broker.identities.cert-p12.key-store-password-file", passwordFile.toString());
        config.put("broker.identities.cert-p12.key-id", P12_KEY_ID);

        identity(config, "entra", "11111111-2222-3333-4444-555555555555");
        config.put("broker.identities.entra.tenant-id", ENTRA_TENANT);
        config.put("broker.identities.entra.authority-host", baseUrl());
        config.put("broker.identities.entra.certificate-file", certificate.toString());
        config.put("broker.identities.entra.key-file", key.toString());

        identity(config, "federated", "client-federated");
        config.put("broker.identities.federated.token-url", tokenUrl());
        config.put("broker.identities.federated.assertion-file", write("federated-token",
                "eyJhbGciOiJSUzI1NiIsImtpZCI6Imsxc2EifQ.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMiLCJzdWIiOiJzeXN0"
                        + "ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXRoZS1icm9rZXI")
                .toString());

        for (String name : new String[] { "basic", "post", "rotating", "cert-pem", "cert-p12", "federated" }) {
            resource(config, name, "wire." + name);
            config.put("broker.resources." + name + ".identity", name);
        }
        resource(config, "entra", ENTRA_SCOPE);
        config.put("broker.resources.entra.identity", "entra");
    }

    /** The {@value #FILES} setup: a resource per test, and its files in {@code <dir>/files/<resource>/}. */
    private void files(Map<String, String> config) throws IOException {
        secretIdentity(config, "main", CLIENT_ID, tokenUrl());
        resource(config, "files-formats", "files.formats");
        resource(config, "files-broken", "files.broken");
        resource(config, "files-refresh", IdpStubs.BOOT_503 + "files-refresh");
        resource(config, "files-outage", IdpStubs.BOOT_503 + "files-outage");
        file(config, "formats-token", "files-formats", "token", "token");
        file(config, "formats-header", "files-formats", "header", "header");
        file(config, "formats-json", "files-formats", "json", "json");
        file(config, "formats-env", "files-formats", "env", "env");
        config.put("broker.files.formats-env.mode", "0400");
        config.put("broker.files.formats-env.env-name", "API_TOKEN");
        file(config, "broken", "files-broken", "token", "token");
        file(config, "refresh-json", "files-refresh", "json", "token.json");
        file(config, "refresh-token", "files-refresh", "token", "token");
        file(config, "outage", "files-outage", "header", "header");
    }

    private void file(Map<String, String> config, String name, String resource, String format, String fileName) throws IOException {
        Path directory = java.nio.file.Files.createDirectories(dir.resolve("files").resolve(resource));
        config.put("broker.files." + name + ".resource", resource);
        config.put("broker.files." + name + ".format", format);
        config.put("broker.files." + name + ".path", directory.resolve(fileName).toString());
    }

    private void secretIdentity(Map<String, String> config, String name, String clientId, String tokenUrl) throws IOException {
        identity(config, name, clientId);
        config.put("broker.identities." + name + ".token-url", tokenUrl);
        config.put("broker.identities." + name + ".secret-file",
                write(name + ".secret", "secret-" + name + "-" + randomWord(24) + "\n").toString());
    }

    private static void identity(Map<String, String> config, String name, String clientId) {
        config.put("broker.identities." + name + ".client-id", clientId);
    }

    private static void resource(Map<String, String> config, String name, String scope) {
        config.put("broker.resources." + name + ".scopes", scope);
    }

    /** The server's address; WireMock's own {@code baseUrl()} says {@code localhost}, which may resolve to ::1. */
    private String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    private String tokenUrl() {
        return baseUrl() + IdpStubs.TOKEN_PATH;
    }
}
