package tokenbroker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tokenbroker.credential.KeyMaterial;

/**
 * Two resource servers on the loopback that check sender-constrained tokens as an API would, answering 200 {@code ok}
 * or 401 with the reason: one over TLS that requests a client certificate and accepts a token only from the
 * certificate its {@code cnf.x5t#S256} names (RFC 8705 §3), one that validates DPoP proofs as RFC 9449 §4.3 says.
 */
final class ResourceServerStubs {

    /**
     * One request a stub received and its verdict: the {@code Authorization} and {@code DPoP} headers as sent, the
     * thumbprint of the TLS client certificate presented (or {@code null}), the status answered and why.
     */
    record Seen(String authorization, String dpop, String certificate, int status, String why) {
    }

    private ResourceServerStubs() {
    }

    /** RFC 8705: TLS with a client certificate requested (not required), trusting {@code trust}, on any free port. */
    static HttpsServer mtls(KeyMaterial serverKeys, X509Certificate trust) throws Exception {
        return mtls(serverKeys, trust, 0, new java.util.concurrent.CopyOnWriteArrayList<>());
    }

    /** As {@link #mtls(KeyMaterial, X509Certificate)}, on {@code port}, adding every request to {@code journal}. */
    static HttpsServer mtls(KeyMaterial serverKeys, X509Certificate trust, int port, List<Seen> journal) throws Exception {
        char[] password = "stub".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", serverKeys.key(), password, serverKeys.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", trust);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                params.setWantClientAuth(true);
            }
        });
        server.createContext("/", exchange -> {
            String token = scheme(exchange, "Bearer ");
            String bound = token == null ? null : KeycloakAdmin.claims(token).path("cnf").path("x5t#S256").asText(null);
            String presented = null;
            try {
                Certificate[] peer = ((HttpsExchange) exchange).getSSLSession().getPeerCertificates();
                presented = base64(MessageDigest.getInstance("SHA-256").digest(peer[0].getEncoded()));
            } catch (Exception e) {
                // no client certificate
            }
            String why = token == null || bound == null || !bound.equals(presented)
                    ? presented == null ? "no client certificate" : "token not bound to this certificate" : null;
            journal.add(new Seen(exchange.getRequestHeaders().getFirst("Authorization"), null, presented, why == null ? 200 : 401, why));
            answer(exchange, why == null ? 200 : 401, why == null ? "ok" : why);
        });
        server.start();
        return server;
    }

    /** RFC 9449 §4.3 and §7.1: one proof per request, never a {@code jti} twice, bound to the token's {@code cnf.jkt}. */
    static HttpServer dpop() throws IOException {
        return dpop(0, new java.util.concurrent.CopyOnWriteArrayList<>());
    }

    /** As {@link #dpop()}, on {@code port}, adding every request to {@code journal}. */
    static HttpServer dpop(int port, List<Seen> journal) throws IOException {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/", exchange -> {
            String why = checkDpop(exchange, seen);
            journal.add(new Seen(exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("DPoP"),
                    null, why == null ? 200 : 401, why));
            answer(exchange, why == null ? 200 : 401, why == null ? "ok" : why);
        });
        server.start();
        return server;
    }

    private static String checkDpop(HttpExchange exchange, Set<String> seen) {
        String token = scheme(exchange, "DPoP ");
        List<String> proofs = exchange.getRequestHeaders().get("DPoP");
        if (token == null) {
            return "no DPoP token";
        }
        if (proofs == null || proofs.size() != 1) {
            return "not exactly one DPoP proof";
        }
        String[] parts = proofs.get(0).split("\\.");
        if (parts.length != 3) {
            return "the proof is not a JWS";
        }
        JsonNode header = KeycloakAdmin.json(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
        JsonNode claims = KeycloakAdmin.json(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        JsonNode jwk = header.path("jwk");
        if (!"dpop+jwt".equals(header.path("typ").asText()) || !"ES256".equals(header.path("alg").asText())) {
            return "typ or alg";
        }
        if (jwk.has("d")) {
            return "a private key in the jwk";
        }
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
            verifier.initVerify(ecKey(jwk));
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return "bad signature";
            }
            String htu = "http://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI().getRawPath();
            if (!exchange.getRequestMethod().equals(claims.path("htm").asText()) || !htu.equals(claims.path("htu").asText())) {
                return "htm or htu";
            }
            long age = Instant.now().getEpochSecond() - claims.path("iat").asLong();
            if (age > 60 || age < -5) {
                return "iat outside the window";
            }
            String ath = base64(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
            if (!ath.equals(claims.path("ath").asText())) {
                return "ath";
            }
            String thumbprint = base64(MessageDigest.getInstance("SHA-256").digest(("{\"crv\":\"" + jwk.path("crv").asText()
                    + "\",\"kty\":\"EC\",\"x\":\"" + jwk.path("x").asText() + "\",\"y\":\"" + jwk.path("y").asText() + "\"}")
                    .getBytes(StandardCharsets.UTF_8)));
            if (!thumbprint.equals(KeycloakAdmin.claims(token).path("cnf").path("jkt").asText())) {
                return "the proof's key is not the token's cnf.jkt";
            }
        } catch (Exception e) {
            return "unverifiable proof (" + e.getClass().getSimpleName() + ")";
        }
        if (!seen.add(claims.path("jti").asText())) {
            return "replayed jti";
        }
        return null;
    }

    private static PublicKey ecKey(JsonNode jwk) throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECPoint point = new ECPoint(new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("x").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("y").asText())));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, params.getParameterSpec(ECParameterSpec.class)));
    }

    private static String scheme(HttpExchange exchange, String scheme) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        return authorization != null && authorization.startsWith(scheme) ? authorization.substring(scheme.length()) : null;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
