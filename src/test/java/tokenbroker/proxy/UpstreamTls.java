package tokenbroker.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA made at test time and a server certificate it issued for {@code 127.0.0.1} (an IP address SAN only, so that
 * {@code https://localhost} fails hostname verification), in a PKCS#12 key store that WireMock and the JDK's HTTPS
 * server take. Made with the JDK's {@code keytool}, as tokenbroker.testing.TestKeys does: the JDK has no API to
 * issue a certificate.
 */
record UpstreamTls(Path keyStore, String password, Path caPem) {

    static UpstreamTls create(Path dir) throws IOException {
        String password = "upstream-tls-" + System.nanoTime();
        keytool(dir, password, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-ext", "bc:c",
                "-dname", "CN=token-broker-proxy-test-ca", "-validity", "3", "-keystore", "ca.p12");
        keytool(dir, password, "-genkeypair", "-alias", "upstream", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=token-broker-proxy-test-upstream", "-validity", "3", "-keystore", "upstream.p12");
        keytool(dir, password, "-certreq", "-alias", "upstream", "-file", "upstream.csr", "-keystore", "upstream.p12");
        keytool(dir, password, "-gencert", "-alias", "ca", "-infile", "upstream.csr", "-outfile", "upstream.crt", "-rfc",
                "-ext", "san=ip:127.0.0.1", "-validity", "3", "-keystore", "ca.p12");
        keytool(dir, password, "-exportcert", "-alias", "ca", "-rfc", "-file", "ca.crt", "-keystore", "ca.p12");
        keytool(dir, password, "-importcert", "-alias", "ca", "-file", "ca.crt", "-keystore", "upstream.p12");
        keytool(dir, password, "-importcert", "-alias", "upstream", "-file", "upstream.crt", "-keystore", "upstream.p12");
        return new UpstreamTls(dir.resolve("upstream.p12"), password, dir.resolve("ca.crt"));
    }

    private static void keytool(Path dir, String password, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            process.destroy();
        }
    }
}
