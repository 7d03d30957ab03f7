package tokenbroker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** One Keycloak per Maven run, shared by every failsafe fork; see the script's header. */
    private static final Path RUN_SCRIPT = ROOT.resolve("scripts/keycloak-it.sh");
    private static final Path OUTPUT = DIR.resolve("keycloak-sh.out");
    /** Set once this JVM has made sure Keycloak runs. */
    private static final String STARTED = "tokenbroker.it.keycloak.started";
    /** keycloak.sh waits up to 180 s for the realm (KC_START_TIMEOUT); fetching and unpacking come on top. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(6);

    private KeycloakScript() {
    }

    /**
     * Makes sure the Keycloak of this Maven run is up. The first call of a JVM goes through
     * {@code scripts/keycloak-it.sh}, which serializes its callers: pom.xml already started it in the background
     * while the unit tests ran, and this waits for that start; without it (an IDE, a run without the pom's early
     * start) the first caller starts one, and the failsafe forks of one run share it. Either way a Keycloak that an
     * interrupted earlier run left in {@link #DIR} is stopped first (keycloak.sh would reuse it, realm state, rotated
     * secrets and events included), and the script's watchdog stops this run's Keycloak when the run's Maven JVM
     * exits, not this JVM: other forks may still use it.
     */
    static synchronized void ensureStarted() {
        if (System.getProperty(STARTED) == null) {
            long owner = owner();
            run(START_TIMEOUT, List.of("bash", RUN_SCRIPT.toString(), Long.toString(owner)), false, "keycloak-it.sh " + owner);
            System.setProperty(STARTED, "true");
        } else if (!running()) {
            // e.g. an outage test that failed between its stop and its start
            run(START_TIMEOUT, "start", "--port", env().get("KEYCLOAK_PORT"));
        }
    }

    /**
     * The process whose end stops Keycloak: the Maven JVM that runs this JVM (an ancestor that runs Maven's
     * launcher, as pom.xml's early start sees it), else this JVM.
     */
    private static long owner() {
        for (ProcessHandle p = ProcessHandle.current().parent().orElse(null); p != null; p = p.parent().orElse(null)) {
            String command = p.info().commandLine().orElse("");
            if (command.contains("org.codehaus.plexus.classworlds.launcher.Launcher")) {
                return p.pid();
            }
        }
        return ProcessHandle.current().pid();
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

    private static void run(Duration timeout, String... args) {
        run(timeout, List.of(args), false);
    }

    /** Runs keycloak.sh with {@code --dir DIR}; the exit code if allowed to fail. */
    private static int run(Duration timeout, List<String> args, boolean mayFail) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(args);
        command.addAll(List.of("--dir", DIR.toString()));
        return run(timeout, command, mayFail, "keycloak.sh " + String.join(" ", args));
    }

    /** Runs {@code command}, its output appended to {@link #OUTPUT}; the exit code if allowed to fail. */
    private static int run(Duration timeout, List<String> command, boolean mayFail, String what) {
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
                throw new IllegalStateException("keycloak-it: " + what + " took more than "
                        + timeout.toSeconds() + " s; output:\n" + outputSince(before));
            }
            int exit = process.exitValue();
            if (exit != 0 && !mayFail) {
                throw new IllegalStateException("keycloak-it: " + what + " exited " + exit
                        + "; output:\n" + outputSince(before));
            }
            return exit;
        } catch (IOException e) {
            throw new UncheckedIOException("keycloak-it: cannot run " + command.get(1), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("keycloak-it: interrupted while running " + what, e);
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
