package tokenbroker.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tokenbroker.config.BrokerConfig.RouteConfig;
import tokenbroker.token.TokenBinding;

/**
 * Start-up checks of {@code broker.routes.<name>.*}: one problem per mistake, each naming its key. A route sends a
 * token wherever its upstream points, so the checks are strict: {@code https} (plain {@code http} only to the
 * loopback), no user info, query or fragment, a base path without dot segments or encoded slashes, a port of its
 * own, a CA file that parses, and {@code https} for a resource of certificate-bound tokens.
 */
final class RouteChecks {

    private static final Pattern LOOPBACK = Pattern.compile("localhost|127(?:\\.\\d{1,3}){3}|::1|\\[::1\\]",
            Pattern.CASE_INSENSITIVE);
    /** Dot segments, encoded dots, slashes and backslashes: what could take a request out of the base path. */
    private static final Pattern UNSAFE_PATH = Pattern.compile("(?i)%2e|%2f|%5c|\\\\|/\\.\\.?(?:/|$)|//");

    private final List<String> problems;

    RouteChecks(List<String> problems) {
        this.problems = problems;
    }

    /**
     * @param knownResources every configured resource name (also those with problems of their own)
     * @param resources the resources that passed their checks
     * @param reservedPorts the token and management ports, by the key that sets them
     */
    List<RouteSpec> check(Map<String, RouteConfig> routes, Set<String> knownResources, Map<String, ResourceSpec> resources,
            Map<String, Integer> reservedPorts) {
        List<RouteSpec> specs = new ArrayList<>();
        Map<Integer, String> portOwners = new HashMap<>();
        reservedPorts.forEach((key, port) -> portOwners.put(port, key));
        for (Map.Entry<String, RouteConfig> e : new TreeMap<>(routes).entrySet()) {
            String key = "broker.routes." + e.getKey();
            RouteConfig route = e.getValue();
            int before = problems.size();
            if (!BrokerSetupFactory.NAME.matcher(e.getKey()).matches()) {
                problems.add(key + ": the name '" + e.getKey() + "' must be 1 to 64 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit");
            }
            URI upstream = upstream(key + ".upstream", route.upstream());
            ResourceSpec resource = resource(key + ".resource", route.resource(), knownResources, resources);
            int port = port(key + ".port", route.port(), portOwners);
            boolean refuse = callerAuthorization(key + ".caller-authorization", route.callerAuthorization());
            List<X509Certificate> cas = route.caFile().map(f -> caFile(key + ".ca-file", Path.of(f.strip()))).orElse(List.of());
            positive(key + ".connect-timeout", route.connectTimeout());
            positive(key + ".timeout", route.timeout());
            if (route.maxConnections() < 1) {
                problems.add(key + ".max-connections: must be at least 1, got " + route.maxConnections());
            }
            if (upstream != null && resource != null && upstream.getScheme().equalsIgnoreCase("http")
                    && resource.identity().binding() == TokenBinding.CERTIFICATE) {
                problems.add(key + ".upstream: resource " + resource.name() + " has certificate-bound tokens (tls_client_auth, RFC 8705):"
                        + " the route presents the certificate in the TLS handshake, so the upstream must be https");
            }
            if (problems.size() == before && resource != null) {
                boolean tls = upstream.getScheme().equalsIgnoreCase("https");
                String host = upstream.getHost().startsWith("[") ? upstream.getHost().substring(1, upstream.getHost().length() - 1)
                        : upstream.getHost();
                String path = upstream.getRawPath() == null ? "" : upstream.getRawPath().replaceAll("/+$", "");
                specs.add(new RouteSpec(e.getKey(), upstream.toString(), tls, host.toLowerCase(Locale.ROOT),
                        upstream.getPort() > 0 ? upstream.getPort() : tls ? 443 : 80, path, resource, port, refuse,
                        route.requireMetadata(), cas, route.connectTimeout(), route.timeout(), route.maxConnections()));
            }
        }
        return specs;
    }

    private URI upstream(String key, Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) {
            problems.add(key + ": missing; the URL requests are forwarded to, e.g. https://graph.microsoft.com/v1.0");
            return null;
        }
        URI uri;
        try {
            uri = new URI(value.get().strip());
        } catch (URISyntaxException e) {
            problems.add(key + ": not a URL (" + e.getReason() + ")");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int before = problems.size();
        if (!scheme.equals("https") && !scheme.equals("http")) {
            problems.add(key + ": the scheme must be https (or http to the loopback), got '" + uri.getScheme() + "'");
        } else if (uri.getHost() == null) {
            problems.add(key + ": no host in '" + uri + "'");
        } else if (scheme.equals("http") && !LOOPBACK.matcher(uri.getHost()).matches()) {
            problems.add(key + ": http would send the token in clear text to " + uri.getHost() + "; use https");
        }
        if (uri.getRawUserInfo() != null) {
            problems.add(key + ": no user info allowed in the URL");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            problems.add(key + ": no query or fragment allowed; callers send their own");
        }
        if (uri.getRawPath() != null && UNSAFE_PATH.matcher(uri.getRawPath()).find()) {
            problems.add(key + ": the base path '" + uri.getRawPath() + "' holds a dot segment, '//' or an encoded '.', '/' or '\\'");
        }
        return problems.size() == before ? uri : null;
    }

    private ResourceSpec resource(String key, Optional<String> value, Set<String> known, Map<String, ResourceSpec> resources) {
        if (value.isEmpty() || value.get().isBlank()) {
            problems.add(key + ": missing; the configured resource whose token the route adds");
            return null;
        }
        String name = value.get().strip();
        if (!known.contains(name)) {
            problems.add(key + ": unknown resource '" + name + "' (known: "
                    + (known.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(known))) + ")");
            return null;
        }
        return resources.get(name); // null when the resource has problems of its own, already reported
    }

    private int port(String key, java.util.OptionalInt value, Map<Integer, String> owners) {
        if (value.isEmpty()) {
            problems.add(key + ": missing; the loopback port the app calls instead of the upstream");
            return -1;
        }
        int port = value.getAsInt();
        if (port < 0 || port > 65535) {
            problems.add(key + ": " + port + " is not a port (1 to 65535, or 0 for any free one)");
            return -1;
        }
        if (port != 0) {
            String owner = owners.putIfAbsent(port, key);
            if (owner != null) {
                problems.add(key + ": port " + port + " is already taken by " + owner);
            }
        }
        return port;
    }

    private boolean callerAuthorization(String key, String value) {
        String mode = value.strip().toLowerCase(Locale.ROOT);
        if (!mode.equals("drop") && !mode.equals("refuse")) {
            problems.add(key + ": must be drop or refuse, got '" + value + "'");
        }
        return mode.equals("refuse");
    }

    private List<X509Certificate> caFile(String key, Path file) {
        if (!BrokerSetupFactory.readable(file)) {
            problems.add(key + ": cannot read " + file);
            return List.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                problems.add(key + ": " + file + " holds no PEM certificate");
            }
            return List.copyOf(certificates);
        } catch (IOException | CertificateException | RuntimeException e) {
            problems.add(key + ": " + file + " is not a PEM certificate file (" + e.getClass().getSimpleName() + ")");
            return List.of();
        }
    }

    private void positive(String key, Duration value) {
        if (!(value.compareTo(Duration.ZERO) > 0)) {
            problems.add(key + ": must be positive, got " + value);
        }
    }
}
