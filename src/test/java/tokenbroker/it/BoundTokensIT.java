package tokenbroker.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import tokenbroker.credential.Credential;
import tokenbroker.credential.DpopKeyReader;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.credential.KeyMaterialReader;

/**
 * Issue 12 against the run's Keycloak 26.7.3 ({@link BoundTokensResource}): federated client authentication with an
 * assertion file rewritten while the broker runs; {@code tls_client_auth} with certificate-bound tokens, checked by a
 * resource server that requests a client certificate, and a rotated certificate; DPoP-bound tokens, checked by a
 * resource server that validates proofs as RFC 9449 §4.3 says; both through proxy routes too (the proxy's requests
 * accepted, what it sent refused when replayed or stripped of its proof or certificate). One broker launch, 30 s tokens.
 */
@QuarkusIntegrationTest
@WithTestResource(value = BoundTokensResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class BoundTokensIT {

    private static final HttpClient ROUTES = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Read when used: the test framework sets the resource's properties after the instance is made. */
    private static Path dir() {
        return Path.of(System.getProperty(BoundTokensResource.DIR));
    }
    private final Map env = new Map();

    /** keycloak.env, read when needed. */
    private static final class Map {
        String get(String key) {
            return KeycloakScript.env().get(key);
        }
    }

    @Test
    void federated_assertionFileRewritten_eachRequestReadsIt_garbageOrExpiredFailsNamingTheIdentity_withBackoff() throws Exception {
        awaitReady();
        Response first = LaunchedBroker.token("fed");
        first.then().statusCode(200);
        assertThat(KeycloakAdmin.claims(first.path("access_token")).path("azp").asText()).isEqualTo("broker-federated");

        // Keycloak accepts each assertion's jti once: a broker that kept the first file's content would now be refused.
        rewrite("assertion.jwt", issuer().assertion(env.get("KEYCLOAK_REALM_URL"), Instant.now(), 600));
        Response second = LaunchedBroker.forceRefresh("fed");
        second.then().statusCode(200);
        assertThat(second.<String>path("access_token")).isNotEqualTo(first.path("access_token"));

        for (String bad : new String[] { "not a jwt", issuer().assertion(env.get("KEYCLOAK_REALM_URL"),
                Instant.now().minusSeconds(700), 600) }) {
            rewrite("assertion.jwt", bad);
            Thread.sleep(1100); // force-interval 1 s
            Response refused = LaunchedBroker.forceRefresh("fed");
            refused.then().statusCode(502);
            assertThat(refused.<String>path("error_description")).contains("invalid_client").contains("identity kc-fed");
            // the token fetched before is still served, and readiness holds while it is
            LaunchedBroker.token("fed").then().statusCode(200);
            assertThat(LaunchedBroker.health("ready").statusCode()).isEqualTo(200);
        }
        JsonPath view = LaunchedBroker.resourceView("fed");
        int failures = view.getInt("failures");
        Thread.sleep(3000);
        // a permanent failure is retried at the slowest pace (backoff-max), not in a loop
        assertThat(LaunchedBroker.resourceView("fed").getInt("failures")).isLessThanOrEqualTo(failures + 1);
        assertThat(view.getString("state")).isEqualTo("failing");
        // a good file again: the broker does not come back before the permanent failure's backoff (60 s) ends, and
        // meanwhile keeps serving the cached token
        rewrite("assertion.jwt", issuer().assertion(env.get("KEYCLOAK_REALM_URL"), Instant.now(), 600));
        LaunchedBroker.token("fed").then().statusCode(200);
    }

    @Test
    void mtls_tokenBoundToTheCertificate_acceptedWithIt_refusedWithout_andRotationBindsToTheNewOne() throws Exception {
        awaitReady();
        LaunchedBroker.token("mtls").then().statusCode(400).body("error", org.hamcrest.Matchers.equalTo("bound_token"));
        String token = proof("mtls", "GET", "https://127.0.0.1/").path("access_token");
        assertThat(KeycloakAdmin.claims(token).path("cnf").path("x5t#S256").asText()).isEqualTo(thumbprint(certificate()));

        Path keys = Path.of(env.get("KEYCLOAK_TLS_CA_FILE")).getParent();
        KeyMaterial server = KeyMaterialReader.read(new Credential.CertificateKey(keys.resolve("tls-server.crt"),
                keys.resolve("tls-server.key"), null, null, null, false));
        List<ResourceServerStubs.Seen> seen = new CopyOnWriteArrayList<>();
        HttpsServer api = ResourceServerStubs.mtls(server, certificate(keys.resolve("tls-ca.crt")), stubPort(BoundTokensResource.MTLS_STUB_PORT),
                seen);
        try {
            URI url = URI.create("https://127.0.0.1:" + api.getAddress().getPort() + "/items");
            assertThat(call(url, token, true).statusCode()).as("with the broker's certificate").isEqualTo(200);
            HttpResponse<String> without = call(url, token, false);
            assertThat(without.statusCode()).as("without a certificate").isEqualTo(401);
            assertThat(without.body()).isEqualTo("no client certificate");

            // Through the route: the broker presents its certificate in TLS and the token bound to it.
            HttpResponse<String> routed = route("mtls", "/items");
            assertThat(routed.statusCode()).as(routed.body()).isEqualTo(200);
            ResourceServerStubs.Seen sent = seen.get(seen.size() - 1);
            assertThat(sent.certificate()).as("the certificate the route presented").isEqualTo(thumbprint(certificate()));
            String routedToken = sent.authorization().substring("Bearer ".length());
            assertThat(KeycloakAdmin.claims(routedToken).path("cnf").path("x5t#S256").asText()).isEqualTo(thumbprint(certificate()));
            HttpResponse<String> replayed = call(url, routedToken, false);
            assertThat(replayed.statusCode()).as("the route's token without the certificate").isEqualTo(401);
            assertThat(replayed.body()).isEqualTo("no client certificate");

            String old = thumbprint(certificate());
            new TestCa(keys.resolve("tls-ca.crt"), keys.resolve("tls-ca.key")).issue("broker-mtls", dir().resolve("mtls.crt"),
                    dir().resolve("mtls.key"));
            String rotated = thumbprint(certificate());
            Instant deadline = Instant.now().plusSeconds(20);
            String served = old;
            while (!served.equals(rotated) && Instant.now().isBefore(deadline)) {
                Thread.sleep(250);
                Response answer = proof("mtls", "GET", "https://127.0.0.1/");
                served = answer.statusCode() == 200 ? answer.<String>path("cnf.'x5t#S256'") : served;
            }
            assertThat(served).as("the thumbprint served after rotation").isEqualTo(rotated);
            // The route: the new certificate in TLS with a token of the new thumbprint, within a second or two; in
            // between a 503 of the broker's, never a token and a certificate that disagree.
            Instant routeDeadline = Instant.now().plusSeconds(10);
            ResourceServerStubs.Seen last = null;
            while (Instant.now().isBefore(routeDeadline) && (last == null || last.status() != 200 || !rotated.equals(last.certificate()))) {
                HttpResponse<String> answer = route("mtls", "/items");
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
                if (answer.statusCode() == 503) {
                    assertThat(answer.headers().firstValue("X-Token-Broker-Error")).hasValue("true");
                    Thread.sleep(250);
                } else {
                    last = seen.get(seen.size() - 1);
                }
            }
            assertThat(last).as("a routed request after the rotation").isNotNull();
            assertThat(last.certificate()).as("the certificate the route presents after the rotation").isEqualTo(rotated);
            assertThat(KeycloakAdmin.claims(last.authorization().substring("Bearer ".length())).path("cnf").path("x5t#S256").asText())
                    .isEqualTo(rotated);
            for (int i = 0; i < 8; i++) {
                Response answer = proof("mtls", "GET", "https://127.0.0.1/");
                answer.then().statusCode(200);
                String bound = KeycloakAdmin.claims(answer.path("access_token")).path("cnf").path("x5t#S256").asText();
                assertThat(bound).as("no token bound to the old certificate after the rotation").isEqualTo(rotated);
                assertThat(call(url, answer.path("access_token"), true).statusCode()).isEqualTo(200);
                assertThat(route("mtls", "/items").statusCode()).as("through the route after the rotation").isEqualTo(200);
                Thread.sleep(250);
            }
            assertThat(seen).as("no request with a token bound to another certificate than the one presented")
                    .noneMatch(r -> "token not bound to this certificate".equals(r.why()));
        } finally {
            api.stop(0);
        }
    }

    @Test
    void dpop_tokenTypeAndJkt_proofsAccepted_replayAndBareTokenRefused() throws Exception {
        awaitReady();
        LaunchedBroker.token("dpop").then().statusCode(400).body("error", org.hamcrest.Matchers.equalTo("bound_token"));
        List<ResourceServerStubs.Seen> seen = new CopyOnWriteArrayList<>();
        HttpServer api = ResourceServerStubs.dpop(stubPort(BoundTokensResource.DPOP_STUB_PORT), seen);
        try {
            URI url = URI.create("http://127.0.0.1:" + api.getAddress().getPort() + "/items");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Set<String> jtis = new HashSet<>();
            String lastProof = null;
            String token = null;
            for (int i = 0; i < 2; i++) {
                Response answer = proof("dpop", "GET", url.toString());
                answer.then().statusCode(200).body("token_type", org.hamcrest.Matchers.equalTo("DPoP"));
                token = answer.path("access_token");
                lastProof = answer.path("dpop");
                JsonNode header = KeycloakAdmin.json(new String(Base64.getUrlDecoder().decode(lastProof.split("\\.")[0])));
                assertThat(KeycloakAdmin.claims(token).path("cnf").path("jkt").asText()).isEqualTo(answer.<String>path("cnf.jkt"))
                        .isEqualTo(jkt(header.path("jwk")));
                jtis.add(KeycloakAdmin.claims(lastProof).path("jti").asText());
                HttpResponse<String> ok = http.send(HttpRequest.newBuilder(url).header("Authorization", "DPoP " + token)
                        .header("DPoP", lastProof).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            }
            assertThat(jtis).as("two proofs, two jti").hasSize(2);
            HttpResponse<String> replay = http.send(HttpRequest.newBuilder(url).header("Authorization", "DPoP " + token)
                    .header("DPoP", lastProof).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(replay.body()).isEqualTo("replayed jti");
            HttpResponse<String> bare = http.send(HttpRequest.newBuilder(url).header("Authorization", "DPoP " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bare.statusCode()).isEqualTo(401);
            HttpResponse<String> asBearer = http.send(HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(asBearer.statusCode()).isEqualTo(401);
            String other = "http://127.0.0.1:" + api.getAddress().getPort() + "/other";
            String wrongUrl = proof("dpop", "GET", other).path("dpop");
            assertThat(http.send(HttpRequest.newBuilder(url).header("Authorization", "DPoP " + token).header("DPoP", wrongUrl).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("htm or htu");

            // Through the route: each request its own proof (htu without the query), accepted; what the route sent,
            // replayed, is refused, and so is its token without a proof.
            seen.clear();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> routed = route("dpop", "/items?page=" + i);
                assertThat(routed.statusCode()).as(routed.body()).isEqualTo(200);
            }
            assertThat(seen).hasSize(2).allMatch(r -> r.status() == 200);
            Set<String> routeJtis = new HashSet<>();
            for (ResourceServerStubs.Seen sent : seen) {
                JsonNode claims = KeycloakAdmin.claims(sent.dpop());
                assertThat(claims.path("htm").asText()).isEqualTo("GET");
                assertThat(claims.path("htu").asText()).isEqualTo(url.toString());
                assertThat(sent.authorization()).startsWith("DPoP ");
                routeJtis.add(claims.path("jti").asText());
            }
            assertThat(routeJtis).as("two requests through the route, two jti").hasSize(2);
            ResourceServerStubs.Seen sent = seen.get(1);
            HttpResponse<String> replayedProof = http.send(HttpRequest.newBuilder(url).header("Authorization", sent.authorization())
                    .header("DPoP", sent.dpop()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(replayedProof.statusCode()).isEqualTo(401);
            assertThat(replayedProof.body()).isEqualTo("replayed jti");
            HttpResponse<String> withoutProof = http.send(HttpRequest.newBuilder(url).header("Authorization", sent.authorization()).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withoutProof.statusCode()).isEqualTo(401);
            assertThat(withoutProof.body()).isEqualTo("not exactly one DPoP proof");
        } finally {
            api.stop(0);
        }
    }

    private static void awaitReady() throws InterruptedException {
        LaunchedBroker.await("the broker is ready", Duration.ofSeconds(90), () -> LaunchedBroker.health("ready").statusCode() == 200);
    }

    private static int stubPort(String key) {
        return Integer.parseInt(System.getProperty(key));
    }

    /** GET {@code path} through route {@code name}, as an app would call it. */
    private static HttpResponse<String> route(String name, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + System.getProperty("broker.routes." + name + ".port") + path);
        return ROUTES.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Response proof(String resource, String method, String url) {
        return given().header("Metadata", "true").queryParam("htm", method).queryParam("htu", url).when()
                .get("/v1/proofs/{resource}", resource);
    }

    private FederatedIssuer.Signer issuer() throws Exception {
        return new FederatedIssuer.Signer(DpopKeyReader.read(dir().resolve("issuer-key.pem")), env.get("KEYCLOAK_URL"));
    }

    private void rewrite(String file, String content) throws Exception {
        Path next = Files.writeString(dir().resolve(file + ".next"), content);
        Files.move(next, dir().resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private X509Certificate certificate() throws Exception {
        return certificate(dir().resolve("mtls.crt"));
    }

    private static X509Certificate certificate(Path file) throws Exception {
        return KeyMaterialReader.readCaFile(file).get(0);
    }

    private static String thumbprint(X509Certificate certificate) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    private static String jkt(JsonNode jwk) throws Exception {
        String json = "{\"crv\":\"" + jwk.path("crv").asText() + "\",\"kty\":\"EC\",\"x\":\"" + jwk.path("x").asText() + "\",\"y\":\""
                + jwk.path("y").asText() + "\"}";
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(json.getBytes()));
    }

    /** GET {@code url} with {@code Bearer token}, presenting the broker's certificate in TLS or none. */
    private HttpResponse<String> call(URI url, String token, boolean withCertificate) throws Exception {
        Path keys = Path.of(env.get("KEYCLOAK_TLS_CA_FILE")).getParent();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate(keys.resolve("tls-ca.crt")));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withCertificate) {
            KeyMaterial mine = KeyMaterialReader.read(new Credential.CertificateKey(dir().resolve("mtls.crt"), dir().resolve("mtls.key"),
                    null, null, null, false));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", mine.key(), "x".toCharArray(), mine.chain().toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, "x".toCharArray());
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
