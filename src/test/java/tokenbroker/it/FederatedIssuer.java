package tokenbroker.it;

import com.sun.net.httpserver.HttpServer;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import tokenbroker.binding.DpopKey;

/**
 * The trusted issuer of federated client assertions (as a Kubernetes API server is for projected service-account
 * tokens): an EC key, its JWKS served on the loopback by the JDK's HTTP server, and JWTs signed with it. Keycloak's
 * identity provider {@code test-issuer} fetches the JWKS from here.
 */
final class FederatedIssuer implements AutoCloseable {

    static final String SUBJECT = "system:serviceaccount:demo:app";
    static final String KEY_ID = "issuer-key-1";

    private final KeyPair key;
    private final HttpServer server;
    private final AtomicInteger jwksFetches = new AtomicInteger();

    FederatedIssuer(KeyPair key) throws IOException {
        this.key = key;
        Object jwk = new JsonObject(new java.util.LinkedHashMap<>(new DpopKey(key).jwk())).put("kid", KEY_ID).put("use", "sig").put("alg", "ES256");
        byte[] jwks = new JsonObject().put("keys", new JsonArray().add(jwk)).toBuffer().getBytes();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/jwks", exchange -> {
            jwksFetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(jwks);
            }
        });
        server.start();
    }

    /** {@code http://127.0.0.1:P}: the {@code iss} of the assertions and of the identity provider. */
    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUrl() {
        return issuer() + "/jwks";
    }

    /** A new assertion for {@code audience}, valid from {@code issuedAt} for {@code lifetimeSeconds}. */
    String assertion(String audience, Instant issuedAt, long lifetimeSeconds) {
        return assertion(key, issuer(), audience, issuedAt, lifetimeSeconds);
    }

    static String assertion(KeyPair key, String issuer, String audience, Instant issuedAt, long lifetimeSeconds) {
        return Jwt.issuer(issuer).subject(SUBJECT).audience(audience).claim("jti", UUID.randomUUID().toString())
                .issuedAt(issuedAt.getEpochSecond()).expiresAt(issuedAt.getEpochSecond() + lifetimeSeconds)
                .jws().keyId(KEY_ID).algorithm(SignatureAlgorithm.ES256).sign(key.getPrivate());
    }

    /**
     * Signs assertions in the test class with the key this issuer wrote to a file (the test resource and the test class
     * may not share objects: different class loaders). The issuer is the JWKS server's origin, read from Keycloak.
     */
    record Signer(KeyPair key, String keycloakUrl) {
        String assertion(String audience, Instant issuedAt, long lifetimeSeconds) {
            return FederatedIssuer.assertion(key, System.getProperty("bound-it.issuer"), audience, issuedAt, lifetimeSeconds);
        }

        @Override
        public String toString() {
            return "Signer[key=<redacted>]";
        }
    }

    /** The identity provider of the realm, as the admin REST API takes it. */
    String identityProviderJson() {
        String base = issuer();
        return new JsonObject().put("alias", "test-issuer").put("providerId", "oidc").put("enabled", true)
                .put("config", new JsonObject().put("issuer", base).put("jwksUrl", jwksUrl()).put("useJwksUrl", "true")
                        .put("validateSignature", "true").put("supportsClientAssertions", "true")
                        .put("authorizationUrl", base + "/authorize").put("tokenUrl", base + "/token")
                        .put("clientId", "unused").put("clientSecret", "unused").put("clientAuthMethod", "client_secret_post"))
                .encode();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
