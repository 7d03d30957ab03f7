package tokenbroker.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * An RSA key pair and its self-signed certificate, made at test time with the JDK's {@code keytool}: no key
 * material is ever committed. Writes the PEM forms the broker reads and computes the thumbprints it must send.
 */
public record KeyStoreKeys(X509Certificate certificate, PrivateKey key) {

    private static final String ALIAS = "token-broker-test";

    /** Makes a new key pair into a PKCS#12 key store at {@code keyStore}, protected by {@code password}. */
    public static KeyStoreKeys generate(Path keyStore, String password, String commonName) throws IOException {
        TestKeys.keytool(keyStore.toAbsolutePath().getParent(), password, List.of(List.of("-genkeypair", "-alias", ALIAS,
                "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA", "-dname", "CN=" + commonName,
                "-validity", "2", "-keystore", keyStore.toAbsolutePath().toString())));
        return load(keyStore, password);
    }

    /** Reads the key entry of a PKCS#12 key store. */
    public static KeyStoreKeys load(Path keyStore, String password) throws IOException {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            return new KeyStoreKeys((X509Certificate) store.getCertificate(ALIAS),
                    (PrivateKey) store.getKey(ALIAS, password.toCharArray()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + keyStore, e);
        }
    }

    /** Writes the certificate as PEM, and the key as unencrypted PKCS#8 PEM. */
    public void writePem(Path certificateFile, Path keyFile) throws IOException {
        Files.writeString(certificateFile, TestKeys.certificatePem(certificate));
        Files.writeString(keyFile, TestKeys.pkcs8Pem(key));
    }

    /** The first certificate of a PEM file. */
    public static X509Certificate readCertificate(Path pemFile) throws IOException {
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(pemFile))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + pemFile, e);
        }
    }

    /** The base64url (unpadded) digest of the DER certificate: {@code SHA-256} for x5t#S256, {@code SHA-1} for x5t. */
    public static String thumbprint(X509Certificate certificate, String digest) {
        try {
            byte[] hash = MessageDigest.getInstance(digest).digest(certificate.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "KeyStoreKeys[" + certificate.getSubjectX500Principal() + "]";
    }
}
