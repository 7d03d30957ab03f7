package tokenbroker.credential;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A certificate chain (leaf first) and the private key of its leaf. */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {

    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "KeyMaterial[subject=" + leaf().getSubjectX500Principal() + ", key=<redacted>]";
    }
}
