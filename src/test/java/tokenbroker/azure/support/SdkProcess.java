package tokenbroker.azure.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link SdkProbe} in a child JVM whose environment holds only what an app container beside the broker would
 * set: the caller's variables, {@code NO_PROXY=127.0.0.1,localhost}, no proxy, and none of the test machine's
 * {@code AZURE_*}, {@code IDENTITY_*}, {@code MSI_*} or {@code IMDS_*} variables (they would change the SDK's
 * choice of managed identity source).
 *
 * <p>The class path is {@code target/test-classes} plus {@code target/azure-sdk.classpath}, which the
 * {@code maven-dependency-plugin} writes from the test dependencies during {@code generate-test-resources}.
 */
public final class SdkProcess {

    /** What the probe printed, one entry per {@code getToken} call, and how long the whole JVM took. */
    public record Result(List<JsonNode> calls, int exitCode, Duration took, String stderr) {
        public JsonNode call(int index) {
            if (index >= calls.size()) {
                throw new AssertionError("the SDK probe printed " + calls.size() + " results; stderr:\n" + stderr);
            }
            return calls.get(index);
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private SdkProcess() {
    }

    /**
     * @param env the variables to set, e.g. {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER}
     * @param args {@code [--default] scope...}: see {@link SdkProbe}
     */
    public static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path classpathFile = base.resolve("target/azure-sdk.classpath");
        if (!Files.isReadable(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: run the tests through Maven (generate-test-resources writes it)");
        }
        String classpath = base.resolve("target/test-classes") + java.io.File.pathSeparator + Files.readString(classpathFile).strip();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                // The test class path holds JBoss LogManager, which complains when it is not the JUL manager.
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", classpath, SdkProbe.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(SdkProcess::leaks);
        environment.put("NO_PROXY", "127.0.0.1,localhost");
        environment.put("no_proxy", "127.0.0.1,localhost");
        environment.putAll(env);
        Path out = Files.createTempFile("sdk-probe", ".out");
        Path err = Files.createTempFile("sdk-probe", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the SDK probe did not end within " + DEADLINE + "; stderr:\n" + Files.readString(err));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> calls = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                if (line.startsWith(SdkProbe.PREFIX)) {
                    calls.add(json.readTree(line.substring(SdkProbe.PREFIX.length())));
                }
            }
            StringBuilder summary = new StringBuilder("sdk-probe: JVM " + took.toMillis() + " ms;");
            calls.forEach(c -> summary.append(' ').append(c.get("scope").asText()).append(c.get("ok").asBoolean() ? " ok " : " failed ")
                    .append(c.get("millis").asLong()).append(" ms;"));
            System.out.println(summary);
            return new Result(calls, process.exitValue(), took, Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static boolean leaks(String name) {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        return upper.startsWith("AZURE_") || upper.startsWith("IDENTITY_") || upper.startsWith("MSI_") || upper.startsWith("IMDS_")
                || upper.equals("HTTP_PROXY") || upper.equals("HTTPS_PROXY") || upper.equals("ALL_PROXY") || upper.equals("NO_PROXY")
                || upper.equals("JAVA_TOOL_OPTIONS") || upper.equals("JDK_JAVA_OPTIONS");
    }
}
