package tokenbroker.shutdown;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged broker ({@code target/quarkus-app/quarkus-run.jar}, built by {@code ./mvnw package}) as a child
 * process, on free ports, configured by a properties file given with {@code quarkus.config.locations}. Its output is
 * kept for the test's assertions and failure messages.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.start(dir, Map.of("broker.resources.r.scopes", "r.read", ...))) {
 *     ... broker.tokenPort() ...
 *     broker.terminate(); // SIGTERM
 * }
 * }</pre>
 */
final class BrokerProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();

    private final Process process;
    private final int tokenPort;
    /** Appended by the reader thread, read by the test: guarded by itself. */
    private final StringBuilder output = new StringBuilder();

    private BrokerProcess(Process process, int tokenPort) {
        this.process = process;
        this.tokenPort = tokenPort;
        Thread reader = new Thread(this::readOutput, "broker-output");
        reader.setDaemon(true);
        reader.start();
    }

    static BrokerProcess start(Path dir, Map<String, String> config) throws IOException {
        assertThat(JAR).as("the packaged broker; run ./mvnw package first (failsafe runs after it)").exists();
        StringBuilder properties = new StringBuilder();
        config.forEach((key, value) -> properties.append(key).append('=').append(value).append('\n'));
        Path file = Files.writeString(dir.resolve("broker.properties"), properties);
        int tokenPort = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Dquarkus.config.locations=" + file.toUri(), "-Dquarkus.http.port=" + tokenPort,
                "-Dquarkus.management.port=" + freePort(), "-jar", JAR.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new BrokerProcess(process, tokenPort);
    }

    int tokenPort() {
        return tokenPort;
    }

    /** SIGTERM: {@link Process#destroy()} on Linux. */
    void terminate() {
        process.destroy();
    }

    /** The exit code, or {@code null} if the process still runs after {@code timeout}. */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    boolean alive() {
        return process.isAlive();
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void readOutput() {
        try (InputStream in = process.getInputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (output) {
                    output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
