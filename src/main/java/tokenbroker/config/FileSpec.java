package tokenbroker.config;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Locale;
import java.util.Set;

/**
 * A checked token file: one resource's token, written to {@code path} in {@code format} with {@code mode}.
 *
 * @param envName with {@link Format#ENV}: the variable that holds the token
 * @param envExpiresOnName with {@link Format#ENV}: the variable that holds the expiry (epoch seconds)
 */
public record FileSpec(String name, ResourceSpec resource, Path path, Format format, Set<PosixFilePermission> mode,
        String envName, String envExpiresOnName) {

    /** What the file holds; docs/api.md gives each one's exact content. */
    public enum Format {
        /** The bare token, no newline. */
        TOKEN,
        /** {@code Authorization: Bearer <token>} and a newline, as {@code curl -H @file} reads it. */
        HEADER,
        /** The native API's JSON answer. */
        JSON,
        /** {@code NAME=value} lines, for {@code source}, {@code docker --env-file} or systemd's {@code EnvironmentFile}. */
        ENV;

        /** The word used in the configuration. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The {@code broker.files.<name>} prefix of this file's keys, for messages. */
    public String key() {
        return "broker.files." + name;
    }
}
