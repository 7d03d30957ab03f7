package tokenbroker.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Certificates and private keys made at test time, so that no key file is ever committed. The certificates come
 * from the JDK's own {@code keytool} (the JDK has no public API to issue one); everything else (PEM, PKCS#1,
 * PKCS#12) is written from Java.
 *
 * <p>Self-contained on purpose (JDK only), so that any test may reuse it:
 * <pre>{@code
 * TestKeys.Pair rsa = TestKeys.rsa();
 * Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(rsa.certificate()));
 * Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(rsa.key()));
 * }</pre>
 *
 * <p>keytool runs a JVM per call, so the material is made once per test JVM (five calls, three of them at once)
 * and shared; it is immutable.
 */
public final class TestKeys {

    /** A certificate and the private key of its public key. */
    public record Pair(X509Certificate certificate, PrivateKey key) {
        @Override
        public String toString() {
            return "Pair[" + certificate.getSubjectX500Principal() + "]";
        }
    }

    /** A leaf certificate issued by a CA, with the leaf's key. */
    public record Chain(X509Certificate leaf, X509Certificate ca, PrivateKey leafKey) {
        public List<X509Certificate> certificates() {
            return List.of(leaf, ca);
        }
    }

    private static final String STORE_PASSWORD = "keytool-store-pw";

    private TestKeys() {
    }

    /** A self-signed RSA 2048 certificate, {@code CN=token-broker-test-rsa}. */
    public static Pair rsa() {
        return Material.INSTANCE.rsa;
    }

    /** A self-signed EC P-256 certificate, {@code CN=token-broker-test-ec}. */
    public static Pair ec() {
        return Material.INSTANCE.ec;
    }

    /** {@code CN=token-broker-test-leaf} issued by {@code CN=token-broker-test-ca}; its key is {@link #rsa()}'s. */
    public static Chain chain() {
        return Material.INSTANCE.chain;
    }

    /** A fresh RSA 2048 key pair with no certificate: a key that matches none of the certificates above. */
    public static KeyPair otherRsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM {@code CERTIFICATE} blocks, in the order given. */
    public static String certificatePem(X509Certificate... certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                pem.append(pem("CERTIFICATE", certificate.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return pem.toString();
    }

    /** An unencrypted PKCS#8 {@code PRIVATE KEY} block. */
    public static String pkcs8Pem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("not a PKCS#8 key: " + key.getFormat());
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** The same RSA key in the traditional PKCS#1 form ({@code RSA PRIVATE KEY}), as old openssl versions write it. */
    public static String pkcs1Pem(PrivateKey key) {
        return pem("RSA PRIVATE KEY", pkcs1Der((RSAPrivateCrtKey) key));
    }

    /** RFC 8017 A.1.2 {@code RSAPrivateKey}, DER-encoded by hand. */
    public static byte[] pkcs1Der(RSAPrivateCrtKey k) {
        return derSequence(derInteger(BigInteger.ZERO), derInteger(k.getModulus()), derInteger(k.getPublicExponent()),
                derInteger(k.getPrivateExponent()), derInteger(k.getPrimeP()), derInteger(k.getPrimeQ()),
                derInteger(k.getPrimeExponentP()), derInteger(k.getPrimeExponentQ()), derInteger(k.getCrtCoefficient()));
    }

    /** A PKCS#12 key store holding one key entry (alias {@code broker}) with its chain, protected by {@code password}. */
    public static byte[] pkcs12(PrivateKey key, char[] password, X509Certificate... chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("broker", key, password, chain);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password);
            return out.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code content} (US-ASCII) to {@code file} and returns it. */
    public static Path write(Path file, String content) {
        return write(file, content.getBytes(StandardCharsets.US_ASCII));
    }

    public static Path write(Path file, byte[] content) {
        try {
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs keytool once per argument list in {@code dir}, all at the same time, on PKCS#12 stores protected by
     * {@code storePassword}, and waits for every one to succeed. Also {@link KeyStoreKeys}' generator.
     */
    static void keytool(Path dir, String storePassword, List<List<String>> calls) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<Process> processes = new ArrayList<>();
        try {
            for (List<String> args : calls) {
                List<String> command = new ArrayList<>();
                command.add(keytool);
                command.addAll(args);
                // Short-lived JVMs: skip the optimising compiler, it only costs start-up time here.
                command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
                command.addAll(List.of("-storetype", "PKCS12", "-storepass", storePassword, "-noprompt"));
                processes.add(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start());
            }
            for (int i = 0; i < processes.size(); i++) {
                Process process = processes.get(i);
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IOException("keytool " + String.join(" ", calls.get(i)) + " failed: " + output);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            processes.forEach(Process::destroy);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] derInteger(BigInteger value) {
        return derTlv(0x02, value.toByteArray()); // two's complement, minimal: what DER wants
    }

    private static byte[] derSequence(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            body.writeBytes(part);
        }
        return derTlv(0x30, body.toByteArray());
    }

    private static byte[] derTlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            byte[] bytes = BigInteger.valueOf(length).toByteArray();
            int skip = bytes[0] == 0 ? 1 : 0;
            out.write(0x80 | (bytes.length - skip));
            out.write(bytes, skip, bytes.length - skip);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** Made on first use, by keytool in a temporary directory that is deleted right after. */
    private static final class Material {
        static final Material INSTANCE = new Material();

        final Pair rsa;
        final Pair ec;
        final Chain chain;

        private Material() {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("token-broker-test-keys");
                // One store per key, so that the four key pairs are made by four keytool processes at once.
                keytool(dir, STORE_PASSWORD, List.of(
                        List.of("-genkeypair", "-alias", "rsa", "-keyalg", "RSA", "-keysize", "2048",
                                "-dname", "CN=token-broker-test-rsa", "-validity", "3", "-keystore", "rsa.p12"),
                        List.of("-genkeypair", "-alias", "ec", "-keyalg", "EC", "-groupname", "secp256r1",
                                "-dname", "CN=token-broker-test-ec", "-validity", "3", "-keystore", "ec.p12"),
                        List.of("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-ext", "bc:c",
                                "-dname", "CN=token-broker-test-ca", "-validity", "3", "-keystore", "ca.p12")));
                // The chain's leaf is the RSA key again, certified by the CA under another name.
                keytool(dir, STORE_PASSWORD, List.of(List.of("-certreq", "-alias", "rsa", "-file", "leaf.csr", "-keystore", "rsa.p12")));
                keytool(dir, STORE_PASSWORD, List.of(List.of("-gencert", "-alias", "ca", "-infile", "leaf.csr", "-outfile", "leaf.crt", "-rfc",
                        "-dname", "CN=token-broker-test-leaf", "-validity", "3", "-keystore", "ca.p12")));

                rsa = pair(dir, "rsa");
                ec = pair(dir, "ec");
                X509Certificate leaf = firstCertificate(Files.readAllBytes(dir.resolve("leaf.crt")));
                chain = new Chain(leaf, pair(dir, "ca").certificate(), rsa.key());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("TestKeys: cannot make test key material", e);
            } finally {
                deleteQuietly(dir);
            }
        }

        private static Pair pair(Path dir, String alias) throws IOException, GeneralSecurityException {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
                keys.load(in, STORE_PASSWORD.toCharArray());
            }
            Certificate[] chain = keys.getCertificateChain(alias);
            return new Pair((X509Certificate) chain[0], (PrivateKey) keys.getKey(alias, STORE_PASSWORD.toCharArray()));
        }

        private static X509Certificate firstCertificate(byte[] pem) throws GeneralSecurityException {
            var all = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)));
            return (X509Certificate) all.get(0);
        }

        private static void deleteQuietly(Path dir) {
            if (dir == null) {
                return;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory: the OS cleans it up
            }
        }
    }
}
