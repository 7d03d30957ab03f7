package tokenbroker.azure.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts a {@link FakeEntra} and a directory of credential files for one {@code @QuarkusTest} class, and points
 * the broker at them with the configuration that {@link #configure} returns. The token and management ports are
 * chosen by the system (other worktrees' test runs may hold 8081 and 9001). Each test class subclasses it with
 * its own tenant, apps and broker keys:
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(MyTests.Entra.class)
 * class MyTests {
 *     public static class Entra extends FakeEntraResource {
 *         protected Map<String, String> configure(FakeEntra entra, Path dir) { ... }
 *     }
 *     @InjectFakeEntra FakeEntra entra;
 *     @InjectFakeEntra Path dir;
 * }
 * }</pre>
 */
public abstract class FakeEntraResource implements QuarkusTestResourceLifecycleManager {

    private FakeEntra entra;
    private Path dir;

    /** The broker's configuration for this test class; {@code dir} is empty and deleted afterwards. */
    protected abstract Map<String, String> configure(FakeEntra entra, Path dir) throws Exception;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("token-broker-azure-");
            entra = FakeEntra.start();
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.http.test-port", "0");
            config.put("quarkus.management.test-port", "0");
            config.putAll(configure(entra, dir));
            return config;
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up the fake Entra", e);
        }
    }

    /** Writes {@code content} to {@code dir/name}, as a mounted Secret would hold it. */
    protected static Path write(Path dir, String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(entra, new TestInjector.AnnotatedAndMatchesType(InjectFakeEntra.class, FakeEntra.class));
        injector.injectIntoFields(dir, new TestInjector.AnnotatedAndMatchesType(InjectFakeEntra.class, Path.class));
    }

    @Override
    public void stop() {
        if (entra != null) {
            entra.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind is harmless
            }
        }
    }
}
