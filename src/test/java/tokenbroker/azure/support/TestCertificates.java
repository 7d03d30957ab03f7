package tokenbroker.azure.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed RSA certificate and its key, made at test time with the JDK's {@code keytool} into a PKCS#12 file
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
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048",
                "-sigalg", "SHA256withRSA", "-dname", "CN=token-broker test " + name, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, password.toCharArray());
        }
        X509Certificate certificate = (X509Certificate) store.getCertificate(name);
        PrivateKey key = (PrivateKey) store.getKey(name, password.toCharArray());
        Path passwordFile = Files.writeString(dir.resolve(name + ".p12.password"), password + "\n");
        Path certificatePem = Files.writeString(dir.resolve(name + ".crt.pem"), pem("CERTIFICATE", certificate.getEncoded()));
        Path keyPem = Files.writeString(dir.resolve(name + ".key.pem"), pem("PRIVATE KEY", key.getEncoded()));
        return new TestCertificates(certificate, key, p12, passwordFile, certificatePem, keyPem);
    }

    static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
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
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

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
        return "TestCertificates[" + certificate.getSubjectX500Principal() + ", key=<redacted>]";
    }
}
