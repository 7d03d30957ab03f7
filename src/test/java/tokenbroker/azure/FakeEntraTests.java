package tokenbroker.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tokenbroker.azure.support.FakeEntra;
import tokenbroker.azure.support.TestCertificates;

/**
 * The fake Entra refuses what Entra refuses: without these tests, a fake that accepts everything would make every
 * broker test pass. Requests are made by hand (JDK HTTP client, JDK signatures), independently of the broker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FakeEntraTests {

    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String SECRET_APP = "11111111-1111-1111-1111-111111111111";
    private static final String CERT_APP = "22222222-2222-2222-2222-222222222222";
    private static final String FED_APP = "33333333-3333-3333-3333-333333333333";
    private static final String SECRET = "Xy8Q~k2.vTn_R4sLm-9PqWz3Hc7Jd1Fg6Ab0Ee5u";
    private static final String FEDERATED = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FrcyIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpkZWZhdWx0OmFwcCJ9.c2ln";
    private static final String VAULT = "https://vault.azure.net/.default";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private FakeEntra entra;
    private TestCertificates registered;
    private TestCertificates other;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("fake-entra-tests");
        // Two keytool runs at once: each is a JVM of its own, seconds on a busy machine.
        FutureTask<TestCertificates> otherKeys = new FutureTask<>(
                () -> TestCertificates.generate(dir, "other"));
        new Thread(otherKeys, "keytool-other").start();
        registered = TestCertificates.generate(dir, "registered");
        other = otherKeys.get(90, TimeUnit.SECONDS);
        entra = FakeEntra.start()
                .addTenant(TENANT, "https://vault.azure.net", "https://database.windows.net/")
                .registerSecret(TENANT, SECRET_APP, SECRET)
                .registerCertificate(TENANT, CERT_APP, registered.certificate())
                .registerFederated(TENANT, FED_APP, FEDERATED);
    }

    @AfterAll
    void stop() throws Exception {
        entra.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void secretPost_whenRight_issuesEntraShapedToken() throws Exception {
        HttpResponse<String> response = post(TENANT, form("grant_type", "client_credentials", "scope", VAULT,
                "client_id", SECRET_APP, "client_secret", SECRET), null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asInt()).isEqualTo(3599);
        assertThat(body.get("ext_expires_in").asInt()).isEqualTo(3599);
        JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(body.get("access_token").asText().split("\\.")[1]));
        assertThat(claims.get("aud").asText()).isEqualTo("https://vault.azure.net");
        assertThat(claims.get("appid").asText()).isEqualTo(SECRET_APP);
        assertThat(entra.exchanges()).last().satisfies(e -> assertThat(e.auth()).isEqualTo("client_secret_post"));
    }

    @Test
    void secretBasic_whenRight_issuesToken() throws Exception {
        String basic = Base64.getEncoder().encodeToString((SECRET_APP + ":" + SECRET).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = post(TENANT, form("grant_type", "client_credentials",
                "scope", "https://database.windows.net//.default"), "Basic " + basic);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(entra.exchanges()).last().satisfies(e -> assertThat(e.auth()).isEqualTo("client_secret_basic"));
    }

    @Test
    void secret_whenWrong_answersInvalidClientWithEntraBody() throws Exception {
        HttpResponse<String> response = post(TENANT, form("grant_type", "client_credentials", "scope", VAULT,
                "client_id", SECRET_APP, "client_secret", "0b2c1a9e-secret-id-not-value"), null);

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("error").asText()).isEqualTo("invalid_client");
        assertThat(body.get("error_description").asText()).startsWith("AADSTS7000215: Invalid client secret provided.")
                .contains("\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: ");
        assertThat(body.get("error_codes").get(0).asInt()).isEqualTo(7000215);
        assertThat(body.get("trace_id").asText()).isNotBlank();
        assertThat(body.get("correlation_id").asText()).isNotBlank();
        assertThat(body.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ");
    }

    @Test
    void request_whenWrongInAnyOneWay_isRefusedWithEntrasCode() throws Exception {
        assertRefused(post("no-such-tenant", secretForm(VAULT), null), 400, "invalid_request", 90002);
        assertRefused(post(TENANT, form("grant_type", "client_credentials", "scope", VAULT, "client_id",
                "44444444-4444-4444-4444-444444444444", "client_secret", SECRET), null), 400, "unauthorized_client", 700016);
        assertRefused(post(TENANT, form("scope", VAULT, "client_id", SECRET_APP, "client_secret", SECRET), null),
                400, "invalid_request", 900144);
        assertRefused(post(TENANT, form("grant_type", "password", "scope", VAULT, "client_id", SECRET_APP, "client_secret", SECRET), null),
                400, "unsupported_grant_type", 70003);
        assertRefused(post(TENANT, form("grant_type", "client_credentials", "client_id", SECRET_APP, "client_secret", SECRET), null),
                400, "invalid_request", 900144);
        assertRefused(post(TENANT, secretForm("https://vault.azure.net/secrets.read"), null), 400, "invalid_scope", 1002012);
        assertRefused(post(TENANT, secretForm("https://graph.microsoft.com/.default"), null), 400, "invalid_resource", 500011);
        assertRefused(post(TENANT, secretForm(VAULT + " https://database.windows.net//.default"), null), 400, "invalid_scope", 28000);
        assertRefused(post(TENANT, secretForm(VAULT) + "&scope=" + enc(VAULT), null), 400, "invalid_request", 9000411);
        assertRefused(post(TENANT, form("grant_type", "client_credentials", "scope", VAULT, "client_id", SECRET_APP), null),
                401, "invalid_client", 7000218);
        assertRefused(post(TENANT, secretForm(VAULT) + "&client_assertion_type=" + enc(JWT_BEARER) + "&client_assertion=x.y.z", null),
                400, "invalid_request", 9002313);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(entra.tokenUrl(TENANT))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertRefused(get, 400, "invalid_request", 900561);
    }

    @Test
    void certificate_whenSignedAsEntraWants_issuesToken() throws Exception {
        HttpResponse<String> response = post(TENANT, certForm(assertion(h -> { }, c -> { }, registered.key())), null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(entra.exchanges()).last().satisfies(e -> assertThat(e.auth()).isEqualTo("private_key_jwt"));
    }

    @Test
    void certificate_whenAnyCheckFails_isRefused() throws Exception {
        // signed by a key that is not the registered certificate's, while naming the registered certificate
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> { }, other.key())), null), 401, "invalid_client", 700027);
        // naming a certificate that is not registered
        assertRefused(post(TENANT, certForm(assertion(h -> h.put("x5t#S256", other.thumbprintS256()), c -> { }, other.key())), null),
                401, "invalid_client", 700027);
        assertRefused(post(TENANT, certForm(assertion(h -> h.put("x5t", other.thumbprintSha1()), c -> { }, registered.key())), null),
                401, "invalid_client", 700027);
        assertRefused(post(TENANT, certForm(assertion(h -> h.remove("x5t#S256"), c -> { }, registered.key())), null),
                401, "invalid_client", 5002723);
        assertRefused(post(TENANT, certForm(assertion(h -> h.put("alg", "RS256"), c -> { }, registered.key())), null),
                401, "invalid_client", 50027);
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> c.put("aud", "https://login.microsoftonline.com/" + TENANT + "/v2.0"),
                registered.key())), null), 401, "invalid_client", 700023);
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> c.put("iss", "someone-else"), registered.key())), null),
                401, "invalid_client", 700021);
        long now = Instant.now().getEpochSecond();
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> c.put("exp", now + 660), registered.key())), null),
                401, "invalid_client", 700024);
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> c.put("exp", now - 5), registered.key())), null),
                401, "invalid_client", 700024);
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> c.remove("jti"), registered.key())), null),
                401, "invalid_client", 50027);
        String once = assertion(h -> { }, c -> { }, registered.key());
        assertThat(post(TENANT, certForm(once), null).statusCode()).isEqualTo(200);
        assertRefused(post(TENANT, certForm(once), null), 401, "invalid_client", 50027);
        assertRefused(post(TENANT, certForm(assertion(h -> { }, c -> { }, registered.key())).replace(enc(JWT_BEARER), "jwt"), null),
                400, "invalid_request", 9002313);
    }

    @Test
    void federated_whenAssertionIsTheRegisteredOne_issuesToken_andNotWhenAltered() throws Exception {
        assertThat(post(TENANT, federatedForm(FEDERATED), null).statusCode()).isEqualTo(200);
        assertThat(entra.exchanges()).last().satisfies(e -> assertThat(e.auth()).isEqualTo("federated"));

        assertRefused(post(TENANT, federatedForm(FEDERATED + "\n"), null), 400, "invalid_request", 70021);
        assertRefused(post(TENANT, form("grant_type", "client_credentials", "scope", VAULT, "client_assertion_type", JWT_BEARER,
                "client_assertion", FEDERATED), null), 400, "invalid_request", 900144);
    }

    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private void assertRefused(HttpResponse<String> response, int status, String error, int aadsts) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("error").asText()).as(response.body()).isEqualTo(error);
        assertThat(body.get("error_codes").get(0).asInt()).as(response.body()).isEqualTo(aadsts);
        assertThat(body.get("error_description").asText()).startsWith("AADSTS" + aadsts + ": ");
    }

    private String secretForm(String scope) {
        return form("grant_type", "client_credentials", "scope", scope, "client_id", SECRET_APP, "client_secret", SECRET);
    }

    private String certForm(String assertion) {
        return form("grant_type", "client_credentials", "scope", VAULT, "client_id", CERT_APP,
                "client_assertion_type", JWT_BEARER, "client_assertion", assertion);
    }

    private String federatedForm(String assertion) {
        return form("grant_type", "client_credentials", "scope", VAULT, "client_id", FED_APP,
                "client_assertion_type", JWT_BEARER, "client_assertion", assertion);
    }

    /** A PS256 assertion as SPEC §5 describes it, changed by the two editors, signed with {@code key}. */
    private String assertion(Consumer<Map<String, Object>> header, Consumer<Map<String, Object>> claims, PrivateKey key) throws Exception {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> h = new LinkedHashMap<>(Map.of("alg", "PS256", "typ", "JWT",
                "x5t#S256", registered.thumbprintS256(), "x5t", registered.thumbprintSha1()));
        Map<String, Object> c = new LinkedHashMap<>(Map.of("iss", CERT_APP, "sub", CERT_APP, "aud", entra.tokenUrl(TENANT),
                "jti", UUID.randomUUID().toString(), "iat", now, "nbf", now, "exp", now + 300));
        header.accept(h);
        claims.accept(c);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(json.writeValueAsBytes(h)) + "." + b64.encodeToString(json.writeValueAsBytes(c));
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        pss.initSign(key);
        pss.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(pss.sign());
    }

    private HttpResponse<String> post(String tenant, String form, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(entra.tokenUrl(tenant)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String form(String... pairs) {
        StringBuilder form = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            form.append(form.length() == 0 ? "" : "&").append(enc(pairs[i])).append('=').append(enc(pairs[i + 1]));
        }
        return form.toString();
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
