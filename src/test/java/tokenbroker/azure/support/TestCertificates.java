package tokenbroker.azure.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import tokenbroker.testing.KeyStoreKeys;

/**
 * A self-signed RSA certificate and its key, made at test time by {@link KeyStoreKeys} into a PKCS#12 file
 * and written out again as PEM, so that no key material is ever committed. Each instance is a new key pair.
 *
 * <pre>{@code
 * TestCertificates cert = TestCertificates.generate(dir, "broker");
 * config.put("broker.identities.app.certificate-file", cert.certificatePem().toString());
 * config.put("broker.identities.app.key-file", cert.keyPem().toString());
 * }</pre>
 */
public final class TestCertificates {

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Path pkcs12;
    private final Path passwordFile;
    private final Path certificatePem;
    private final Path keyPem;

    private TestCertificates(X509Certificate certificate, PrivateKey key, Path pkcs12, Path passwordFile, Path certificatePem,
            Path keyPem) {
        this.certificate = certificate;
        this.key = key;
        this.pkcs12 = pkcs12;
        this.passwordFile = passwordFile;
        this.certificatePem = certificatePem;
        this.keyPem = keyPem;
    }

    /**
     * Runs {@code keytool -genkeypair} (RSA 2048, SHA256withRSA, valid two days) into {@code dir/name.p12} and writes
     * {@code name.crt.pem}, {@code name.key.pem} (unencrypted PKCS#8) and {@code name.p12.password} beside it.
     */
    public static TestCertificates generate(Path dir, String name) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(dir);
        String password = "test-" + Long.toHexString(System.nanoTime());
        Path p12 = dir.resolve(name + ".p12");
        Files.deleteIfExists(p12);
        KeyStoreKeys keys = KeyStoreKeys.generate(p12, password, "token-broker test " + name);
        Path passwordFile = Files.writeString(dir.resolve(name + ".p12.password"), password + "\n");
        Path certificatePem = dir.resolve(name + ".crt.pem");
        Path keyPem = dir.resolve(name + ".key.pem");
        keys.writePem(certificatePem, keyPem);
        return new TestCertificates(keys.certificate(), keys.key(), p12, passwordFile, certificatePem, keyPem);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey key() {
        return key;
    }

    public Path pkcs12() {
        return pkcs12;
    }

    public Path passwordFile() {
        return passwordFile;
    }

    public Path certificatePem() {
        return certificatePem;
    }

    public Path keyPem() {
        return keyPem;
    }

    /** The base64url SHA-256 thumbprint of the DER certificate: what {@code x5t#S256} must be. */
    public String thumbprintS256() {
        return thumbprint(certificate, "SHA-256");
    }

    /** The base64url SHA-1 thumbprint of the DER certificate: what {@code x5t} must be. */
    public String thumbprintSha1() {
        return thumbprint(certificate, "SHA-1");
    }

    /** The first certificate of a PEM file. */
    public static X509Certificate readPem(Path file) throws IOException, GeneralSecurityException {
        return KeyStoreKeys.readCertificate(file);
    }

    public static String thumbprint(X509Certificate certificate, String digest) {
        return KeyStoreKeys.thumbprint(certificate, digest);
    }

    @Override
    public String toString() {
        return "TestCertificates[" + certificate.getSubjectX500Principal() + ", key=<redacted>]";
    }
}
