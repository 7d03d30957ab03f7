package tokenbroker.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What every WireMock-backed test resource shares: a WireMock server on 127.0.0.1 and a random port, a temporary
 * directory for credential files, injection into {@link InjectWireMock} fields, and clean-up. Subclasses write the
 * stubs and the broker configuration of their scenario.
 */
public abstract class WireMockResource implements QuarkusTestResourceLifecycleManager {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    protected WireMockServer server;
    protected Path dir;

    /** Starts WireMock; response templating is available to stubs that ask for it. */
    protected WireMockServer startServer(int threads) {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(threads)
                .templatingEnabled(true).globalTemplating(false));
        server.start();
        return server;
    }

    /** A temporary directory that {@link #stop()} deletes. */
    protected Path createDir(String prefix) throws IOException {
        dir = Files.createTempDirectory(prefix);
        return dir;
    }

    /**
     * Serves one token request before the broker starts, then forgets it: WireMock's first answer (Jetty,
     * Handlebars) can take seconds on a busy machine, longer than a test's IdP deadline.
     */
    protected void warmUp() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + IdpStubs.TOKEN_PATH))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=warm-up")).build();
        try {
            HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        server.resetRequests();
    }

    /** Writes {@code content} to {@code name} in the temporary directory. */
    protected Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    /** A random word of letters and digits, for secrets and passwords that tests then look for. */
    protected static String randomWord(int length) {
        StringBuilder word = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            word.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return word.toString();
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(InjectWireMock.class, WireMockServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind is harmless
            }
        }
    }
}
