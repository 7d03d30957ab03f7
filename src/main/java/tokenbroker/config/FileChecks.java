package tokenbroker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Start-up checks of the files that hold secrets: readable, and not empty. Never puts file content in a message. */
final class FileChecks {

    private FileChecks() {
    }

    /** Reads a secret file, or adds a problem naming {@code key} and returns empty. */
    static Optional<String> readSecret(List<String> problems, String key, Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (content.isEmpty()) {
                problems.add(key + ": " + file + " is empty");
                return Optional.empty();
            }
            return Optional.of(content);
        } catch (IOException | RuntimeException e) {
            problems.add(key + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            return Optional.empty();
        }
    }
}
