package tokenbroker.idp;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest {@code DPoP-Nonce} each token endpoint client was given (RFC 9449 §8), by oidc-client id
 * ({@code token-broker-<resource>}): the next proof to that endpoint carries it. A nonce is not a secret.
 */
@ApplicationScoped
public class DpopNonces {

    /** Written by the response filter, read by the request filter; a lost update costs one {@code use_dpop_nonce}. */
    private final Map<String, String> latest = new ConcurrentHashMap<>();

    String get(String clientId) {
        return clientId == null ? null : latest.get(clientId);
    }

    void put(String clientId, String nonce) {
        if (clientId != null && nonce != null && !nonce.isBlank() && nonce.length() <= 512) {
            latest.put(clientId, nonce.strip());
        }
    }
}
