package tokenbroker.config;

import java.nio.file.Path;
import java.util.Set;

/**
 * A checked caller: a local process identified by the secret in its file.
 *
 * @param resources the resource names it may have; {@code null} for all
 */
public record CallerSpec(String name, Path secretFile, Set<String> resources) {

    public boolean mayHave(String resource) {
        return resources == null || resources.contains(resource);
    }
}
