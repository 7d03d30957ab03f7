package tokenbroker.k8s;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a kustomization offline as an operator would: {@code kubectl kustomize DIR} with the kustomize that
 * kubectl embeds, or {@code kustomize build DIR} when only a standalone kustomize is on the PATH. Each run is
 * bounded by {@link #TIMEOUT}. The overlays use components and label-selected patch targets, and their golden
 * files come from kustomize v5: an older kustomize fails with a message that says so, not with a render error.
 *
 * <p>Usage: {@code String yaml = Kustomize.render(Path.of("k8s/overlays/client-secret"));}
 */
final class Kustomize {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int MIN_MAJOR = 5;
    private static final Pattern KUBECTL_KUSTOMIZE = Pattern.compile("Kustomize Version: v?(\\d+)\\.(\\d+)\\.(\\d+)");
    private static final Pattern KUSTOMIZE = Pattern.compile("v(\\d+)\\.(\\d+)\\.(\\d+)");

    /** The command prefix that renders a directory, and the kustomize version behind it, e.g. {@code v5.5.0}. */
    record Tool(List<String> command, String version) {
    }

    /** Guarded by the class lock; found once per test run. */
    private static Tool tool;

    private Kustomize() {
    }

    /** The rendered YAML of the kustomization in {@code dir}; fails the test with kustomize's own error otherwise. */
    static String render(Path dir) {
        List<String> command = new ArrayList<>(tool().command());
        command.add(dir.toString());
        Result result = run(command);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + result.exitCode() + ", kustomize "
                    + tool().version() + "):\n" + result.stderr());
        }
        return result.stdout();
    }

    static synchronized Tool tool() {
        if (tool == null) {
            tool = find();
        }
        return tool;
    }

    private static Tool find() {
        Optional<Path> kubectl = onPath("kubectl");
        if (kubectl.isPresent()) {
            Result version = run(List.of(kubectl.get().toString(), "version", "--client"));
            return checked(List.of(kubectl.get().toString(), "kustomize"), KUBECTL_KUSTOMIZE.matcher(version.stdout()),
                    kubectl.get() + " (kubectl version --client: " + version.stdout().strip().replace('\n', ' ') + ")");
        }
        Optional<Path> kustomize = onPath("kustomize");
        if (kustomize.isPresent()) {
            Result version = run(List.of(kustomize.get().toString(), "version"));
            return checked(List.of(kustomize.get().toString(), "build"), KUSTOMIZE.matcher(version.stdout()),
                    kustomize.get() + " (kustomize version: " + version.stdout().strip() + ")");
        }
        throw new AssertionError("neither kubectl nor kustomize is on the PATH (" + System.getenv("PATH") + "). The k8s tests"
                + " render the overlays with `kubectl kustomize`: install kubectl (with kustomize v" + MIN_MAJOR
                + " or later, i.e. kubectl 1.27 or later) or a standalone kustomize v" + MIN_MAJOR + ".");
    }

    private static Tool checked(List<String> command, Matcher version, String found) {
        // kubectl before 1.24 prints no kustomize version: it embeds kustomize v2 to v4.
        boolean named = version.find();
        if (!named || Integer.parseInt(version.group(1)) < MIN_MAJOR) {
            String which = !named ? "names no kustomize version (kubectl before 1.24 embeds kustomize v2 to v4)"
                    : "has kustomize v" + version.group(1) + "." + version.group(2);
            throw new AssertionError(found + " " + which + "; the overlays (components, label-selected patch targets)"
                    + " and their golden files are made with kustomize v" + MIN_MAJOR + ": put kubectl 1.27 or later, or"
                    + " kustomize v" + MIN_MAJOR + " or later, first on the PATH. Debian 12's kubernetes-client package is"
                    + " kubectl 1.20 with kustomize v2, which has no components.");
        }
        return new Tool(List.copyOf(command), "v" + version.group(1) + "." + version.group(2) + "." + version.group(3));
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code command} with output in temporary files (no pipe to fill up), for at most {@link #TIMEOUT}. */
    private static Result run(List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("kustomize", ".out");
            err = Files.createTempFile("kustomize", ".err");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
    }
}
