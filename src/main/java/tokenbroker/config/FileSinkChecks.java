package tokenbroker.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tokenbroker.config.BrokerConfig.FileConfig;
import tokenbroker.config.FileSpec.Format;

/**
 * Start-up checks of {@code broker.files.*}: a known resource, a format, a mode that no one but the broker can
 * write, and a path whose directory exists and can be written now (probed by creating and deleting a temporary
 * file there, which also catches a read-only mount that permission bits would not show, e.g. for root).
 */
final class FileSinkChecks {

    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");
    /** A portable shell variable name (POSIX), so that {@code source} and {@code --env-file} take it alike. */
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<PosixFilePermission> WRITE_BY_OTHERS = EnumSet.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private final List<String> problems;

    FileSinkChecks(List<String> problems) {
        this.problems = problems;
    }

    /** Checks every file; {@code resources} are the resources that passed their own checks. */
    List<FileSpec> check(Map<String, FileConfig> files, Set<String> configuredResources, Map<String, ResourceSpec> resources) {
        List<FileSpec> specs = new ArrayList<>();
        Map<Path, String> owners = new HashMap<>();
        for (Map.Entry<String, FileConfig> e : new TreeMap<>(files).entrySet()) {
            String key = "broker.files." + e.getKey();
            FileConfig file = e.getValue();
            boolean ok = true;
            String resource = file.resource().map(String::strip).orElse("");
            if (resource.isEmpty()) {
                problems.add(key + ".resource: missing; name the resource whose token the file holds");
                ok = false;
            } else if (!configuredResources.contains(resource)) {
                problems.add(key + ".resource: unknown resource '" + resource + "' (known: "
                        + (configuredResources.isEmpty() ? "none" : String.join(", ", new TreeSet<>(configuredResources))) + ")");
                ok = false;
            }
            Format format = format(key + ".format", file.format());
            Set<PosixFilePermission> mode = mode(key + ".mode", file.mode());
            String envName = file.envName().strip();
            String expiresName = file.envExpiresOnName().map(String::strip).orElse(envName + "_EXPIRES_ON");
            if (format == Format.ENV) {
                ok &= envName(key + ".env-name", envName) & envName(key + ".env-expires-on-name", expiresName);
                if (envName.equals(expiresName)) {
                    problems.add(key + ".env-expires-on-name: '" + expiresName + "' is also " + key + ".env-name");
                    ok = false;
                }
            }
            Path path = path(key + ".path", file.path().map(String::strip).orElse(""));
            if (path != null) {
                String other = owners.putIfAbsent(path, e.getKey());
                if (other != null) {
                    problems.add(key + ".path: " + path + " is also the path of broker.files." + other);
                    path = null;
                }
            }
            ResourceSpec spec = resources.get(resource);
            if (ok && format != null && mode != null && path != null && spec != null) {
                specs.add(new FileSpec(e.getKey(), spec, path, format, mode, envName, expiresName));
            }
        }
        return List.copyOf(specs);
    }

    private Format format(String key, String value) {
        String word = value.strip().toLowerCase(Locale.ROOT);
        for (Format format : Format.values()) {
            if (format.word().equals(word)) {
                return format;
            }
        }
        problems.add(key + ": unknown format '" + value.strip() + "' (known: "
                + Arrays.stream(Format.values()).map(Format::word).collect(Collectors.joining(", ")) + ")");
        return null;
    }

    private Set<PosixFilePermission> mode(String key, String value) {
        String octal = value.strip();
        if (!MODE.matcher(octal).matches()) {
            problems.add(key + ": '" + octal + "' is not an octal file mode such as 0440");
            return null;
        }
        int bits = Integer.parseInt(octal, 8);
        Set<PosixFilePermission> mode = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
        for (int i = 0; i < order.length; i++) {
            if ((bits & (1 << (order.length - 1 - i))) != 0) {
                mode.add(order[i]);
            }
        }
        if (mode.stream().anyMatch(WRITE_BY_OTHERS::contains)) {
            problems.add(key + ": " + octal + " lets group or others write the file; a token file is written by the broker only"
                    + " (e.g. 0440)");
            return null;
        }
        return Set.copyOf(mode);
    }

    private boolean envName(String key, String value) {
        if (ENV_NAME.matcher(value).matches()) {
            return true;
        }
        problems.add(key + ": '" + value + "' is not a variable name (letters, digits and '_', not starting with a digit)");
        return false;
    }

    private Path path(String key, String value) {
        if (value.isEmpty()) {
            problems.add(key + ": missing; give the absolute path of the file, on a volume shared with the application");
            return null;
        }
        Path path;
        try {
            path = Path.of(value).normalize();
        } catch (RuntimeException e) {
            problems.add(key + ": '" + value + "' is not a path");
            return null;
        }
        if (!path.isAbsolute() || path.getFileName() == null) {
            problems.add(key + ": '" + value + "' must be an absolute path to a file");
            return null;
        }
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            problems.add(key + ": the directory " + dir + " does not exist, or is not a directory");
            return null;
        }
        if (Files.isDirectory(path)) {
            problems.add(key + ": " + path + " is a directory");
            return null;
        }
        try {
            Files.delete(Files.createTempFile(dir, ".token-broker-probe-", ".tmp"));
        } catch (IOException | RuntimeException e) {
            problems.add(key + ": cannot write in " + dir + " (" + e.getClass().getSimpleName() + ")");
            return null;
        }
        return path;
    }
}
