package tokenbroker.door;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;

/**
 * Finds the resource an Azure SDK means by its {@code resource} parameter. The SDKs strip {@code /.default} from
 * the scope they were given, so {@code R} matches a resource whose scope is {@code R/.default}, with or without a
 * trailing slash on either side (Azure SQL asks for {@code https://database.windows.net/}, whose scope is
 * {@code https://database.windows.net//.default}), or a resource named {@code R}.
 */
@ApplicationScoped
public class AzureResourceIndex {

    private static final String DEFAULT_SUFFIX = "/.default";
    private static final Pattern ECHOED = Pattern.compile("[A-Za-z0-9:/._~-]{1,200}");

    /** Written once in the constructor. */
    private final Map<String, List<TokenSlot>> byAudience = new HashMap<>();
    private final TokenCache cache;

    AzureResourceIndex(TokenCache cache) {
        this.cache = cache;
        for (TokenSlot slot : cache.slots()) {
            for (String scope : slot.resource().scopes()) {
                if (scope.endsWith(DEFAULT_SUFFIX)) {
                    String audience = normalize(scope.substring(0, scope.length() - DEFAULT_SUFFIX.length()));
                    byAudience.computeIfAbsent(audience, a -> new ArrayList<>()).add(slot);
                }
            }
        }
    }

    /** The one slot {@code resource} (and {@code clientId}) mean, or {@code null}: for labels, never a refusal. */
    public TokenSlot match(String resource, String clientId) {
        if (resource == null || resource.isBlank()) {
            return null;
        }
        List<TokenSlot> candidates = candidates(resource, clientId);
        return candidates.size() == 1 ? candidates.get(0) : null;
    }

    /**
     * The slot for {@code resource}, choosing by {@code clientId} among several identities' resources.
     *
     * @throws Refusal 400 when nothing or more than one resource matches: the SDKs retry 404s for seconds
     */
    public TokenSlot find(String resource, String clientId) {
        if (resource == null || resource.isBlank()) {
            throw Refusal.badRequest("the resource parameter is required");
        }
        List<TokenSlot> candidates = candidates(resource, clientId);
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.isEmpty()) {
            throw new Refusal(400, "invalid_resource", "no configured resource matches resource=" + shown(resource)
                    + (clientId == null ? "" : " and client_id=" + shown(clientId))
                    + "; configure one whose scope is <resource>/.default");
        }
        List<String> names = candidates.stream().map(slot -> slot.resource().name()).sorted().toList();
        throw new Refusal(400, "invalid_request", "configured resources " + String.join(", ", names) + " all match resource="
                + shown(resource) + "; ask for one by name (resource=" + names.get(0) + ") or pass client_id");
    }

    private List<TokenSlot> candidates(String resource, String clientId) {
        List<TokenSlot> candidates = new ArrayList<>(byAudience.getOrDefault(normalize(resource), List.of()));
        TokenSlot named = cache.slot(resource);
        if (named != null && !candidates.contains(named)) {
            candidates.add(named);
        }
        if (clientId != null && !clientId.isBlank()) {
            candidates.removeIf(slot -> !slot.resource().identity().clientId().equalsIgnoreCase(clientId.strip()));
        }
        return candidates;
    }

    /** The audience without trailing slashes: {@code https://vault.azure.net/} and {@code https://vault.azure.net} are one. */
    static String normalize(String audience) {
        int end = audience.length();
        while (end > 0 && audience.charAt(end - 1) == '/') {
            end--;
        }
        return audience.substring(0, end);
    }

    /**
     * Echo a parameter only when it is short and looks like a resource URI or a client id: never markup, quotes,
     * braces, spaces or control characters ({@code <script>}, {@code ${jndi:...}}).
     */
    static String shown(String value) {
        if (!ECHOED.matcher(value).matches()) {
            return "(unprintable)";
        }
        return value;
    }
}
