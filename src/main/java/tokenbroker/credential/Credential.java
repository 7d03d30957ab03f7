package tokenbroker.credential;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How an identity proves itself to its token endpoint: exactly one of a client secret, a certificate (signed
 * client assertion, or presented in the TLS handshake) or a federated assertion. Holds file paths, and an inline secret only in development; no
 * {@code toString()} prints secret material.
 */
public sealed interface Credential permits Credential.ClientSecret, Credential.CertificateKey, Credential.FederatedAssertion,
        Credential.TlsClientCertificate {

    /** The OAuth client authentication method this credential uses on the wire. */
    String authMethod();

    /**
     * A client secret, from a file (re-read for every request, so a rotated Secret needs no restart) or inline.
     *
     * @param post {@code client_secret_post} when true, else {@code client_secret_basic}
     */
    record ClientSecret(Path file, String inline, boolean post) implements Credential {

        /** The current secret: the file's content without surrounding white space, or the inline value. */
        public String read() throws IOException {
            if (file == null) {
                return inline;
            }
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }

        @Override
        public String authMethod() {
            return post ? "client_secret_post" : "client_secret_basic";
        }

        @Override
        public String toString() {
            return "ClientSecret[" + (file != null ? "file=" + file : "inline=<redacted>") + ", " + authMethod() + "]";
        }
    }

    /**
     * A certificate and its private key, used to sign a new client assertion (RFC 7523) for every request.
     *
     * @param certificateFile PEM certificate chain, or a PKCS#12 key store holding both
     * @param keyFile PEM PKCS#8 private key, or {@code null} when the certificate file holds it
     * @param passwordFile password of a PKCS#12 key store, or {@code null}
     * @param keyId the {@code kid} header, or {@code null} to leave it out
     * @param audience the assertion's {@code aud}
     * @param entra whether the assertion goes to Microsoft Entra (PS256 rather than RS256 for RSA keys)
     */
    record CertificateKey(Path certificateFile, Path keyFile, Path passwordFile, String keyId, String audience, boolean entra)
            implements Credential {
        @Override
        public String authMethod() {
            return "private_key_jwt";
        }
    }

    /** A federated assertion (Kubernetes service-account token, ...), read from its file for every request. */
    record FederatedAssertion(Path file) implements Credential {

        public String read() throws IOException {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }

        @Override
        public String authMethod() {
            return "private_key_jwt";
        }
    }

    /**
     * A certificate and its private key presented in the TLS handshake to the token endpoint ({@code tls_client_auth},
     * RFC 8705 §2): no secret and no assertion in the request. Files are re-read when they change.
     *
     * @param certificateFile PEM certificate chain, or a PKCS#12 key store holding both
     * @param keyFile PEM PKCS#8 private key, or {@code null} when the certificate file holds it
     * @param passwordFile password of a PKCS#12 key store, or {@code null}
     */
    record TlsClientCertificate(Path certificateFile, Path keyFile, Path passwordFile) implements Credential {

        /** The same files seen as a {@link CertificateKey}, for {@link KeyMaterialReader}. */
        public CertificateKey asCertificateKey() {
            return new CertificateKey(certificateFile, keyFile, passwordFile, null, null, false);
        }

        @Override
        public String authMethod() {
            return "tls_client_auth";
        }
    }
}
