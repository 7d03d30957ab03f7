package tokenbroker.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import tokenbroker.config.BrokerConfig.CallerConfig;
import tokenbroker.config.BrokerConfig.IdentityConfig;
import tokenbroker.config.BrokerConfig.ResourceConfig;

/**
 * Turns the raw {@link BrokerConfig} into a {@link BrokerSetup}, or refuses with every problem at once, each
 * naming its key ({@code broker.resources.graph.identity: unknown identity 'x' (known: entra)}), so that an
 * operator fixes a bad ConfigMap in one round.
 *
 * <p>Pure apart from reading the credential files it is given and probing the directories of token files, so
 * that every rule has a unit test.
 */
public final class BrokerSetupFactory {

    /** Resource and identity names travel in URL paths and metric labels: keep them plain. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> RESERVED_PARAMS = Set.of("grant_type", "client_id", "client_secret", "scope",
            "client_assertion", "client_assertion_type");

    private final List<String> problems = new ArrayList<>();
    private final IdentityChecks identityChecks = new IdentityChecks(problems);

    private BrokerSetupFactory() {
    }

    /**
     * Checks {@code config}.
     *
     * @param env looks up environment variables ({@code AZURE_CLIENT_ID}, ...) for the workload identity shortcut
     * @throws BrokerConfigException listing every problem found
     */
    public static BrokerSetup create(BrokerConfig config, Function<String, Optional<String>> env) {
        return new BrokerSetupFactory().build(config, env);
    }

    private BrokerSetup build(BrokerConfig config, Function<String, Optional<String>> env) {
        Map<String, IdentitySpec> identities = identities(config, env);
        Map<String, ResourceSpec> resources = resources(config, identities);
        List<CallerSpec> callers = callers(config, resources);
        List<RouteSpec> routes = new RouteChecks(problems).check(config.routes(), config.resources().keySet(), resources,
                reservedPorts(env));
        List<FileSpec> files = new FileSinkChecks(problems).check(config.files(), config.resources().keySet(), resources);
        BrokerConfig.RefreshConfig refresh = config.refresh();
        requireNotNegative("broker.refresh.min-serve-ttl", refresh.minServeTtl());
        requirePositive("broker.refresh.backoff-initial", refresh.backoffInitial());
        requireNotNegative("broker.refresh.force-interval", refresh.forceInterval());
        if (refresh.backoffMax().compareTo(refresh.backoffInitial()) < 0) {
            problems.add("broker.refresh.backoff-max: " + refresh.backoffMax() + " is shorter than broker.refresh.backoff-initial "
                    + refresh.backoffInitial());
        }
        requirePositive("broker.idp.connect-timeout", config.idp().connectTimeout());
        requirePositive("broker.idp.timeout", config.idp().timeout());
        if (!problems.isEmpty()) {
            throw new BrokerConfigException(problems);
        }
        return new BrokerSetup(identities, resources, callers, refresh.minServeTtl(), refresh.backoffInitial(),
                refresh.backoffMax(), refresh.forceInterval(), config.idp().connectTimeout(), config.idp().timeout(), routes,
                files);
    }

    /** The token and management ports, which no route may take. */
    private static Map<String, Integer> reservedPorts(Function<String, Optional<String>> env) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("quarkus.http.port (the token port)", env.apply("quarkus.http.port").map(Integer::valueOf).orElse(7777));
        ports.put("quarkus.management.port", env.apply("quarkus.management.port").map(Integer::valueOf).orElse(9000));
        return ports;
    }

    private Map<String, IdentitySpec> identities(BrokerConfig config, Function<String, Optional<String>> env) {
        Map<String, IdentitySpec> identities = new LinkedHashMap<>();
        for (Map.Entry<String, IdentityConfig> e : new TreeMap<>(config.identities()).entrySet()) {
            if (checkName("broker.identities." + e.getKey(), e.getKey())) {
                identityChecks.check(e.getKey(), e.getValue()).ifPresent(spec -> identities.put(e.getKey(), spec));
            }
        }
        int before = problems.size();
        if (config.identities().isEmpty()) {
            identityChecks.fromWorkloadIdentity(env).ifPresent(spec -> identities.put(spec.name(), spec));
        }
        // Not when the workload identity variables are set but wrong: their own problems say what to fix.
        if (config.identities().isEmpty() && identities.isEmpty() && problems.size() == before) {
            problems.add("broker.identities: no identity is configured; set broker.identities.<id>.client-id with a token-url"
                    + " or tenant-id and one credential, or the AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE"
                    + " variables of Azure Workload Identity");
        }
        return identities;
    }

    private Map<String, ResourceSpec> resources(BrokerConfig config, Map<String, IdentitySpec> identities) {
        Map<String, ResourceSpec> resources = new LinkedHashMap<>();
        if (config.resources().isEmpty()) {
            problems.add("broker.resources: no resource is configured; set broker.resources.<name>.scopes");
        }
        Set<String> knownIdentities = new java.util.TreeSet<>(config.identities().isEmpty() ? identities.keySet()
                : config.identities().keySet());
        for (Map.Entry<String, ResourceConfig> e : new TreeMap<>(config.resources()).entrySet()) {
            String name = e.getKey();
            String key = "broker.resources." + name;
            ResourceConfig resource = e.getValue();
            boolean ok = checkName(key, name);
            String identityName = resource.identity().map(String::strip).orElse(null);
            if (identityName == null) {
                if (knownIdentities.size() == 1) {
                    identityName = knownIdentities.iterator().next();
                } else if (knownIdentities.size() > 1) {
                    problems.add(key + ".identity: missing, and there are " + knownIdentities.size() + " identities ("
                            + String.join(", ", knownIdentities) + "): name one");
                    ok = false;
                }
            } else if (!knownIdentities.contains(identityName)) {
                problems.add(key + ".identity: unknown identity '" + identityName + "' (known: "
                        + (knownIdentities.isEmpty() ? "none" : String.join(", ", knownIdentities)) + ")");
                ok = false;
            }
            // OAuth writes scopes space-separated and SmallRye splits lists on commas only: "a b" is two scopes.
            List<String> scopes = resource.scopes().orElse(List.of()).stream().flatMap(s -> Arrays.stream(s.strip().split("\\s+")))
                    .filter(s -> !s.isEmpty()).toList();
            IdentitySpec identity = identityName == null ? null : identities.get(identityName);
            if (identity != null && identity.entra()) {
                ok &= checkEntraScopes(key + ".scopes", scopes);
            }
            for (String param : resource.params().keySet()) {
                if (RESERVED_PARAMS.contains(param)) {
                    problems.add(key + ".params." + param + ": '" + param + "' is set by the broker itself and cannot be overridden"
                            + (param.equals("scope") ? "; use " + key + ".scopes" : ""));
                    ok = false;
                }
            }
            if (ok && identity != null) {
                resources.put(name, new ResourceSpec(name, identity, scopes, Map.copyOf(resource.params()), resource.required()));
            }
        }
        return resources;
    }

    private boolean checkEntraScopes(String key, List<String> scopes) {
        if (scopes.isEmpty()) {
            problems.add(key + ": missing; Entra needs the resource's static scope, e.g. https://graph.microsoft.com/.default");
            return false;
        }
        boolean ok = true;
        for (String scope : scopes) {
            if (!scope.endsWith("/.default")) {
                problems.add(key + ": '" + scope + "' does not end in /.default; an Entra daemon app can only ask for the static"
                        + " scope of a resource, e.g. https://graph.microsoft.com/.default (its permissions are granted by admin consent)");
                ok = false;
            }
        }
        if (ok && scopes.size() > 1) {
            problems.add(key + ": Entra issues a token for one resource at a time; give one /.default scope per resource"
                    + " (found " + scopes.size() + ")");
            ok = false;
        }
        return ok;
    }

    private List<CallerSpec> callers(BrokerConfig config, Map<String, ResourceSpec> resources) {
        List<CallerSpec> callers = new ArrayList<>();
        Map<String, String> secretOwners = new HashMap<>();
        Set<String> knownResources = config.resources().keySet();
        for (Map.Entry<String, CallerConfig> e : new TreeMap<>(config.callers()).entrySet()) {
            String key = "broker.callers." + e.getKey();
            CallerConfig caller = e.getValue();
            boolean ok = checkName(key, e.getKey());
            Path secretFile = null;
            if (caller.secretFile().isEmpty()) {
                problems.add(key + ".secret-file: missing; every caller proves itself with the secret in this file");
                ok = false;
            } else {
                secretFile = Path.of(caller.secretFile().get().strip());
                Optional<String> secret = FileChecks.readSecret(problems, key + ".secret-file", secretFile);
                ok &= secret.isPresent();
                if (secret.isPresent()) {
                    String other = secretOwners.putIfAbsent(secret.get(), e.getKey());
                    if (other != null) {
                        problems.add(key + ".secret-file: holds the same secret as caller '" + other + "'; give each caller its own");
                        ok = false;
                    }
                }
            }
            Set<String> allowed = null;
            if (caller.resources().isPresent()) {
                allowed = new LinkedHashSet<>();
                for (String resource : caller.resources().get()) {
                    String name = resource.strip();
                    if (!knownResources.contains(name)) {
                        problems.add(key + ".resources: unknown resource '" + name + "' (known: "
                                + String.join(", ", new TreeMap<>(config.resources()).keySet()) + ")");
                        ok = false;
                    }
                    allowed.add(name);
                }
            }
            if (ok) {
                callers.add(new CallerSpec(e.getKey(), secretFile, allowed == null ? null : Set.copyOf(allowed)));
            }
        }
        return callers;
    }

    private boolean checkName(String key, String name) {
        if (NAME.matcher(name).matches()) {
            return true;
        }
        problems.add(key + ": the name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        return false;
    }

    private void requirePositive(String key, Duration value) {
        if (!(value.compareTo(Duration.ZERO) > 0)) {
            problems.add(key + ": must be positive, got " + value);
        }
    }

    private void requireNotNegative(String key, Duration value) {
        if (value.isNegative()) {
            problems.add(key + ": must not be negative, got " + value);
        }
    }

    /** Whether {@code path} names a readable regular file; used by the identity checks too. */
    static boolean readable(Path path) {
        return Files.isRegularFile(path) && Files.isReadable(path);
    }
}
