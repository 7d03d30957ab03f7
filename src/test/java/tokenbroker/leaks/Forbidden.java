package tokenbroker.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import tokenbroker.testing.KeyStoreKeys;
import tokenbroker.testing.WireForm;

/**
 * Everything that must never leave the broker (docs/security.md, "What never leaves the broker"), each under a
 * label that names it without showing it: the secrets it was configured with, read back from their files, and
 * what it sent and received on the wire, read from the fake IdP's request journal.
 */
final class Forbidden {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    /** Long enough that a match is never chance, short enough to catch a key cut across lines. */
    private static final int CHUNK = 40;

    /** Secrets that no answer may hold, the token answers included. */
    final Map<String, String> secrets = new LinkedHashMap<>();
    /** Access tokens the IdP issued: allowed in token answers only. */
    final Map<String, String> tokens = new LinkedHashMap<>();
    int clientAssertions;
    int basicHeaders;
    /** DPoP proofs seen on the wire: on token requests, and on the route's upstream requests. */
    int tokenRequestProofs;
    int upstreamProofs;

    /** Reads the configured credential files. */
    static Forbidden configured() throws IOException {
        Forbidden f = new Forbidden();
        for (String identity : new String[] { "basic", "post" }) {
            f.secrets.put("client secret of " + identity, read("broker.identities." + identity + ".secret-file"));
        }
        for (String caller : new String[] { "app", "limited" }) {
            f.secrets.put("caller secret of " + caller, read("broker.callers." + caller + ".secret-file"));
        }
        String federated = read("broker.identities.federated.assertion-file");
        f.secrets.put("federated assertion", federated);
        f.secrets.put("federated assertion's signature", federated.substring(federated.lastIndexOf('.') + 1));

        Path pemKey = path("broker.identities.cert-pem.key-file");
        String pem = Files.readString(pemKey);
        String pemBody = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        f.keyText("PEM private key", pemBody, pem.lines().toList());
        f.exponent("PEM private key", rsaKey(Base64.getDecoder().decode(pemBody)));
        String password = read("broker.identities.cert-p12.key-store-password-file");
        f.secrets.put("PKCS#12 password", password);
        Path keyStore = path("broker.identities.cert-p12.certificate-file");
        KeyStoreKeys p12 = KeyStoreKeys.load(keyStore, password);
        String p12Key = Base64.getEncoder().encodeToString(p12.key().getEncoded());
        f.keyText("PKCS#12 private key", p12Key, Base64.getMimeEncoder(64, new byte[] { '\n' })
                .encodeToString(p12.key().getEncoded()).lines().toList());
        f.exponent("PKCS#12 private key", (RSAPrivateKey) p12.key());
        f.dpopKey(path("broker.identities.dpop.dpop-key-file"));
        String storeBytes = Base64.getEncoder().encodeToString(Files.readAllBytes(keyStore));
        f.chunks("PKCS#12 file", storeBytes, storeBytes.length() / 3);
        return f;
    }

    /** Adds what the broker sent and the IdP answered: Authorization headers, form secrets, assertions, tokens. */
    void addWire(WireMockServer idp) {
        for (ServeEvent event : idp.getAllServeEvents()) {
            String authorization = event.getRequest().getHeader("Authorization");
            if (authorization != null) {
                secrets.put("Authorization header " + basicHeaders++, authorization.substring(authorization.indexOf(' ') + 1));
            }
            Map<String, List<String>> form = WireForm.form(event.getRequest());
            for (String assertion : form.getOrDefault("client_assertion", List.of())) {
                secrets.put("client assertion " + clientAssertions, assertion);
                String signature = assertion.substring(assertion.lastIndexOf('.') + 1);
                secrets.put("client assertion's signature " + clientAssertions++, signature);
            }
            String proof = event.getRequest().getHeader("DPoP");
            if (proof != null) {
                secrets.put("token request proof " + tokenRequestProofs++, proof);
            }
            for (String secret : form.getOrDefault("client_secret", List.of())) {
                secrets.put("client_secret form parameter", secret);
            }
            String body = event.getResponse() == null ? null : event.getResponse().getBodyAsString();
            if (body != null) {
                Matcher token = ACCESS_TOKEN.matcher(body);
                while (token.find()) {
                    tokens.put("access token " + tokens.size() + " (" + token.group(1).replaceAll("-[A-Za-z0-9]+$", "") + ")",
                            token.group(1));
                }
            }
        }
    }

    /**
     * Adds what a route sent its upstream: the DPoP proofs (allowed nowhere) and the bound tokens (allowed in token
     * answers only: the proofs door hands them out).
     */
    void addUpstream(WireMockServer upstream) {
        for (ServeEvent event : upstream.getAllServeEvents()) {
            String authorization = event.getRequest().getHeader("Authorization");
            if (authorization != null) {
                tokens.put("bound token sent upstream " + upstreamProofs, authorization.substring(authorization.indexOf(' ') + 1));
            }
            String proof = event.getRequest().getHeader("DPoP");
            if (proof != null) {
                secrets.put("upstream proof " + upstreamProofs++, proof);
            }
        }
    }

    /** The DPoP key file: its private key's PEM (past the header every P-256 key shares) and the JWK's {@code d}. */
    private void dpopKey(Path file) throws IOException {
        Matcher block = Pattern.compile("-----BEGIN PRIVATE KEY-----([^-]+)-----END PRIVATE KEY-----").matcher(Files.readString(file));
        assertThat(block.find()).as("the DPoP key file's private key").isTrue();
        List<String> lines = block.group(1).strip().lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            secrets.put("DPoP private key, PEM line " + i, lines.get(i));
        }
        String body = block.group(1).replaceAll("\\s", "");
        chunks("DPoP private key", body.substring(48), CHUNK / 2);
        try {
            java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            byte[] s = key.getS().toByteArray();
            byte[] d = new byte[32];
            int copy = Math.min(32, s.length);
            System.arraycopy(s, s.length - copy, d, 32 - copy, copy);
            secrets.put("DPoP private key's JWK d", Base64.getUrlEncoder().withoutPadding().encodeToString(d));
            secrets.put("DPoP private key's d (decimal)", key.getS().toString().substring(0, 40));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the DPoP key back", e);
        }
    }

    /** Every label whose value occurs in {@code text}, with the value's first line of context. */
    static List<String> found(Map<String, String> values, String where, String text) {
        List<String> hits = new ArrayList<>();
        for (Map.Entry<String, String> value : values.entrySet()) {
            int at = text.indexOf(value.getValue());
            if (at >= 0) {
                int start = text.lastIndexOf('\n', at) + 1;
                int end = text.indexOf('\n', at);
                String line = text.substring(start, end < 0 ? text.length() : end);
                hits.add(value.getKey() + " in " + where + ": " + (line.length() > 400 ? line.substring(0, 400) + "..." : line));
            }
        }
        return hits;
    }

    private void keyText(String label, String base64, List<String> lines) {
        // The first ~400 characters encode the algorithm and the public modulus, which the certificate shows too.
        chunks(label, base64.substring(400), CHUNK * 4);
        for (int i = 8; i < lines.size(); i += 4) {
            if (lines.get(i).length() == 64) {
                secrets.put(label + ", PEM line " + i, lines.get(i));
            }
        }
        assertThat(secrets.keySet()).as("chunks of " + label).anyMatch(k -> k.startsWith(label + ", PEM line"));
    }

    private void exponent(String label, RSAPrivateKey key) {
        secrets.put(label + "'s private exponent (decimal)", key.getPrivateExponent().toString().substring(0, 60));
        secrets.put(label + "'s private exponent (hex)", key.getPrivateExponent().toString(16).substring(0, 60));
    }

    private void chunks(String label, String text, int step) {
        for (int i = 0; i + CHUNK <= text.length(); i += step) {
            secrets.put(label + ", base64 at " + i, text.substring(i, i + CHUNK));
        }
    }

    private static RSAPrivateKey rsaKey(byte[] pkcs8) throws IOException {
        try {
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the PEM key back", e);
        }
    }

    private static Path path(String key) {
        return Path.of(ConfigProvider.getConfig().getValue(key, String.class));
    }

    private static String read(String key) throws IOException {
        return Files.readString(path(key)).strip();
    }
}
