package tokenbroker.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Client certificates of the test CA that {@code keycloak.sh} made ({@code keys/tls-ca.*}, in Keycloak's HTTPS trust
 * store), issued with {@code openssl}: a new EC key each time, subject {@code CN=<cn>}.
 */
final class TestCa {

    private final Path caCertificate;
    private final Path caKey;

    TestCa(Path caCertificate, Path caKey) {
        this.caCertificate = caCertificate;
        this.caKey = caKey;
    }

    /**
     * Issues a certificate into {@code certificate} and {@code key}, each replaced by a rename (the key first), as a
     * rotated Kubernetes Secret replaces its files.
     */
    void issue(String cn, Path certificate, Path key) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(certificate.getParent(), "issue-");
        Path newKey = dir.resolve("key.pem");
        Path csr = dir.resolve("req.csr");
        Path newCertificate = dir.resolve("cert.pem");
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", newKey.toString());
        run("openssl", "req", "-new", "-key", newKey.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
        run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCertificate.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Long.toString(System.nanoTime()), "-days", "2", "-sha256", "-out", newCertificate.toString());
        Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(newCertificate, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8));
        }
    }
}
