package tokenbroker.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A program that reads a token file pair ({@code json} and {@code token} formats of one resource) as fast as it
 * can, on a thread of its own, and notes every read a user would trip over: no file (until {@link #allowMissing}),
 * an empty or partial one, a token that is not whole, or one with less than {@code min-serve-ttl} left on the
 * broker's (fake) clock.
 */
final class TokenFileReader implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path json;
    private final Path token;
    private final InstantSource clock;
    private final Duration minServeTtl;
    private final Pattern whole;
    private final AtomicInteger reads = new AtomicInteger();
    /** The first {@value #KEPT} violations. */
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private static final int KEPT = 20;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    /** Set once no token need be servable any more (the IdP is down): a missing file is then expected. */
    private volatile boolean mayBeMissing;
    private Thread thread;

    /** @param whole what a whole token looks like */
    TokenFileReader(Path json, Path token, InstantSource clock, Duration minServeTtl, Pattern whole) {
        this.json = json;
        this.token = token;
        this.clock = clock;
        this.minServeTtl = minServeTtl;
        this.whole = whole;
    }

    TokenFileReader start() {
        thread = new Thread(this, "token-file-reader");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    @Override
    public void run() {
        while (!stopped) {
            checkJson(read(json));
            checkToken(read(token));
        }
    }

    private void checkJson(String text) {
        if (text == null) {
            return;
        }
        Instant now = clock.instant();
        try {
            JsonNode body = JSON.readTree(text);
            String value = body.path("access_token").asText();
            checkWhole("json", value);
            Instant expiresOn = Instant.ofEpochSecond(body.path("expires_on").asLong());
            // expires_on is the expiry rounded down: a conservative check.
            if (Duration.between(now, expiresOn).compareTo(minServeTtl) < 0) {
                violation("json: a token with " + Duration.between(now, expiresOn) + " left at " + now);
            }
        } catch (IOException e) {
            violation("json: not a whole JSON document (" + text.length() + " bytes)");
        }
    }

    private void checkToken(String text) {
        if (text != null) {
            checkWhole("token", text);
        }
    }

    private void checkWhole(String file, String value) {
        tokens.add(value);
        if (!whole.matcher(value).matches()) {
            violation(file + ": not a whole token (" + value.length() + " characters)");
        }
    }

    /** The file's content, or {@code null} (and a violation) when it is missing or empty. */
    private String read(Path file) {
        reads.incrementAndGet();
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                violation(file.getFileName() + ": empty");
                return null;
            }
            return text;
        } catch (NoSuchFileException e) {
            if (!mayBeMissing) {
                violation(file.getFileName() + ": missing while a token is servable");
            }
            return null;
        } catch (IOException e) {
            violation(file.getFileName() + ": " + e);
            return null;
        }
    }

    private void violation(String what) {
        if (violations.size() < KEPT) {
            violations.add(what);
        }
    }

    /** From now on the file may be missing: its token is running out. */
    void allowMissing() {
        mayBeMissing = true;
    }

    int reads() {
        return reads.get();
    }

    Set<String> tokens() {
        return tokens;
    }

    /** Stops the reader and returns what it found wrong. */
    List<String> stop() throws InterruptedException {
        stopped = true;
        thread.join(10_000);
        return List.copyOf(violations);
    }
}
