package tokenbroker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The quick start tells the truth (issue 15, item 5): {@code scripts/run-local.sh} with {@code RUN_LOCAL_CHECK=1}
 * starts the packaged broker against the Keycloak of the other ITs (reused, so this costs a broker start, not a
 * Keycloak start), runs every command it prints, and exits 0 only if each answered what it should.
 */
class RunLocalIT {

    @Test
    void runLocal_everyPrintedCommand_works() throws Exception {
        KeycloakScript.ensureStarted();
        Path output = KeycloakScript.ROOT.resolve("target/run-local-it.out");
        ProcessBuilder run = new ProcessBuilder("bash", "scripts/run-local.sh").directory(KeycloakScript.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        run.environment().put("RUN_LOCAL_CHECK", "1");
        run.environment().put("RUN_LOCAL_KC_DIR", KeycloakScript.DIR.toString());
        run.environment().put("RUN_LOCAL_PORT", Integer.toString(freePort()));
        run.environment().put("RUN_LOCAL_MGMT_PORT", Integer.toString(freePort()));
        run.environment().put("RUN_LOCAL_PROXY_PORT", Integer.toString(freePort()));
        Process process = run.start();
        boolean ended = process.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            process.destroy(); // the script's trap stops the broker it started
            process.waitFor(30, TimeUnit.SECONDS);
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("run-local.sh ended within 180 s:\n%s", log).isTrue();
        assertThat(process.exitValue()).as("run-local.sh's exit code:\n%s", log).isZero();
        assertThat(log).contains("every command printed works")
                .contains("check token: ok", "check resources: ok", "check azure: ok", "check health: ok",
                        "check metrics: ok", "check keycloak: ok")
                .doesNotContain("stopping Keycloak"); // the ITs' Keycloak is left running
        assertThat(KeycloakScript.running()).as("the shared Keycloak still runs").isTrue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
