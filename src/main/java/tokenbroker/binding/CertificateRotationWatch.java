package tokenbroker.binding;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.credential.KeyMaterialCache;
import tokenbroker.credential.KeyMaterialReader;
import tokenbroker.token.AccessToken;

/**
 * Keeps certificate-bound tokens in step with their certificate file: every sweep, a cached token whose
 * {@code cnf.x5t#S256} is not the thumbprint of the certificate now in the file is dropped and a new one requested, so
 * that no token bound to a rotated certificate is presented after the rotation (the next request uses the new file).
 */
@ApplicationScoped
public class CertificateRotationWatch {

    private final TokenCache cache;
    private final KeyMaterialCache keyMaterials = new KeyMaterialCache();

    CertificateRotationWatch(TokenCache cache) {
        this.cache = cache;
    }

    @Scheduled(identity = "certificate-rotation", every = "${broker.refresh.sweep-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        for (TokenSlot slot : cache.slots()) {
            AccessToken token = slot.servable();
            if (token != null && slot.resource().identity().credential() instanceof Credential.TlsClientCertificate
                    && !current(slot.resource(), token)) {
                Log.infof("binding: the certificate of identity %s was rotated; resource %s gets a token bound to the new one",
                        slot.resource().identity().name(), slot.resource().name());
                slot.drop(token);
            }
        }
    }

    /** Whether {@code token} is bound to the certificate now in the resource's file; true when that file is unreadable. */
    boolean current(ResourceSpec resource, AccessToken token) {
        KeyMaterial keys = keys(resource);
        return keys == null || Thumbprints.x5tS256(keys.leaf()).equals(token.boundTo());
    }

    /** The certificate and key now in the resource's files, or {@code null} while they cannot be read (mid-rotation). */
    KeyMaterial keys(ResourceSpec resource) {
        if (!(resource.identity().credential() instanceof Credential.TlsClientCertificate tls)) {
            return null;
        }
        try {
            return keyMaterials.get(tls.asCertificateKey());
        } catch (KeyMaterialReader.KeyMaterialException e) {
            return null;
        }
    }
}
