package tokenbroker.callers;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Callers over {@link tokenbroker.testing.WireMockIdp}'s {@code api} setup: resources {@value #R1} and {@value #R2}
 * (scopes {@code api://r1/.default} and {@code api://r2/.default}, so that the Azure endpoints find them by
 * audience too), caller {@value #A} with {@value #R1} only and caller {@value #B} with every resource. Their
 * secret files live in a temporary directory that {@link #stop()} deletes; tests rewrite them and call
 * {@code CallerRegistry.reload()}.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.API))
 * @WithTestResource(CallerFiles.class)
 * class SomeCallerTest { ... Files.readString(CallerFiles.secretFile(CallerFiles.A)) ... }
 * }</pre>
 */
public class CallerFiles implements QuarkusTestResourceLifecycleManager {

    public static final String R1 = "r1";
    public static final String R2 = "r2";
    public static final String A = "a";
    public static final String B = "b";

    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("token-broker-callers-test");
            return Map.of(
                    "broker.resources." + R1 + ".scopes", "api://" + R1 + "/.default",
                    "broker.resources." + R2 + ".scopes", "api://" + R2 + "/.default",
                    "broker.callers." + A + ".secret-file", write(A),
                    "broker.callers." + A + ".resources", R1,
                    "broker.callers." + B + ".secret-file", write(B));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The secret file of {@code caller}, as the running broker was configured. */
    public static Path secretFile(String caller) {
        return ConfigProvider.getConfig().getValue("broker.callers." + caller + ".secret-file", Path.class);
    }

    /** A new random secret, in the shape of a Kubernetes Secret's value (trailing newline included). */
    static String newSecret(String caller) {
        return "caller-" + caller + "-" + UUID.randomUUID() + "\n";
    }

    private String write(String caller) throws IOException {
        return Files.writeString(dir.resolve(caller + ".secret"), newSecret(caller)).toString();
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
