package tokenbroker.config;

import java.nio.file.Path;
import tokenbroker.credential.Credential;
import tokenbroker.token.TokenBinding;

/**
 * A checked identity: one app registration's credential at one token endpoint.
 *
 * @param entra whether the endpoint is Microsoft Entra's (set through {@code tenant-id})
 * @param caFile PEM CA certificates that alone are trusted for the token endpoint's TLS, or {@code null} for the JVM's
 * @param dpop whether tokens are DPoP-bound (RFC 9449) to a key the broker holds
 * @param dpopKeyFile that key's PEM file, or {@code null} for a key generated at start
 */
public record IdentitySpec(String name, String clientId, String tokenUrl, boolean entra, Credential credential, Path caFile,
        boolean dpop, Path dpopKeyFile) {

    /** An identity with bearer tokens and the JVM's trust store. */
    public IdentitySpec(String name, String clientId, String tokenUrl, boolean entra, Credential credential) {
        this(name, clientId, tokenUrl, entra, credential, null, false, null);
    }

    /** What this identity's tokens are bound to: DPoP wins, a TLS client certificate binds otherwise (RFC 8705). */
    public TokenBinding binding() {
        return dpop ? TokenBinding.DPOP
                : credential instanceof Credential.TlsClientCertificate ? TokenBinding.CERTIFICATE : TokenBinding.BEARER;
    }
}
