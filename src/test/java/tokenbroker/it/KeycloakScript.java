package tokenbroker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Keycloak of the integration tests, driven through {@code scripts/keycloak.sh} in {@code target/keycloak-it}:
 * one instance for the whole failsafe run, however many broker launches use it.
 *
 * <p>State lives in the script's directory and in one JVM-wide system property, not in static fields: the test
 * framework may load this class more than once (test resources and test classes can have different class loaders),
 * and a second copy must not start a second Keycloak.
 *
 * <pre>{@code
 * KeycloakScript.ensureStarted();                 // fresh realm on the first call of the run, reused after
 * Map<String, String> env = KeycloakScript.env(); // KEYCLOAK_TOKEN_URL, KEYCLOAK_CLIENT_SECRET_FILE, ...
 * }</pre>
 */
final class KeycloakScript {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path DIR = ROOT.resolve("target/keycloak-it");
    private static final Path SCRIPT = ROOT.resolve("scripts/keycloak.sh");
    private static final Path OUTPUT = DIR.resolve("keycloak-sh.out");
    /** Set once this JVM has started Keycloak (and registered the hook that stops it). */
    private static final String STARTED = "tokenbroker.it.keycloak.started";
    /** keycloak.sh waits up to 180 s for the realm (KC_START_TIMEOUT); fetching and unpacking come on top. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private KeycloakScript() {
    }

    /**
     * Starts Keycloak unless this JVM already did and it still runs. The first start of a run first stops a
     * Keycloak that an interrupted earlier run may have left in {@link #DIR}: keycloak.sh would reuse it, realm
     * state (rotated secrets, events) included.
     */
    static synchronized void ensureStarted() {
        if (System.getProperty(STARTED) == null) {
            run(STOP_TIMEOUT, "stop");
            // Not keycloak.sh's default (the first free port from 18080), which every other Keycloak on this machine
            // starts from too: one of them could take the port while the outage test has Keycloak stopped.
            run(START_TIMEOUT, "start", "--port", Integer.toString(freePort()));
            System.setProperty(STARTED, "true");
            // Quarkus stops test resources between launches that use different ones; Keycloak must outlive them,
            // so it stops when the failsafe JVM exits.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> run(STOP_TIMEOUT, "stop"), "keycloak-it-stop"));
        } else if (!running()) {
            // e.g. an outage test that failed between its stop and its start
            run(START_TIMEOUT, "start", "--port", env().get("KEYCLOAK_PORT"));
        }
    }

    /** Stops Keycloak (SIGTERM, then SIGKILL after 30 s). */
    static void stop() {
        run(STOP_TIMEOUT, "stop");
    }

    /** Starts Keycloak on {@code port} with a freshly imported realm and the same key material as before. */
    static void start(int port) {
        run(START_TIMEOUT, "start", "--port", Integer.toString(port));
    }

    static boolean running() {
        return run(Duration.ofSeconds(30), List.of("status"), true) == 0;
    }

    /** The values of {@code keycloak.env}: KEYCLOAK_URL, KEYCLOAK_PORT, KEYCLOAK_TOKEN_URL, key file paths, ... */
    static Map<String, String> env() {
        try {
            Map<String, String> env = new LinkedHashMap<>();
            for (String line : Files.readAllLines(DIR.resolve("keycloak.env"), StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException("keycloak-it: cannot read keycloak.env in " + DIR, e);
        }
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up on Linux), so that no outgoing connection takes
     * it while Keycloak is stopped, and above keycloak.sh's default range (18080-18179).
     */
    private static int freePort() {
        for (int i = 0; i < 100; i++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("keycloak-it: no free port in 20000-31999 on the loopback");
    }

    private static void run(Duration timeout, String... args) {
        run(timeout, List.of(args), false);
    }

    /** Runs keycloak.sh with {@code --dir DIR}, its output appended to {@link #OUTPUT}; the exit code if allowed to fail. */
    private static int run(Duration timeout, List<String> args, boolean mayFail) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(args);
        command.addAll(List.of("--dir", DIR.toString()));
        try {
            Files.createDirectories(DIR);
            long before = Files.exists(OUTPUT) ? Files.size(OUTPUT) : 0;
            // Output to a file, never a pipe: Keycloak runs on in the background and must not hold our streams.
            Process process = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(OUTPUT.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                throw new IllegalStateException("keycloak-it: keycloak.sh " + String.join(" ", args) + " took more than "
                        + timeout.toSeconds() + " s; output:\n" + outputSince(before));
            }
            int exit = process.exitValue();
            if (exit != 0 && !mayFail) {
                throw new IllegalStateException("keycloak-it: keycloak.sh " + String.join(" ", args) + " exited " + exit
                        + "; output:\n" + outputSince(before));
            }
            return exit;
        } catch (IOException e) {
            throw new UncheckedIOException("keycloak-it: cannot run " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("keycloak-it: interrupted while running keycloak.sh", e);
        }
    }

    private static String outputSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(OUTPUT);
            int from = (int) Math.max(offset, all.length - 8_000L);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + OUTPUT + ")";
        }
    }
}
