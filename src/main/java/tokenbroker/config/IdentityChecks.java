package tokenbroker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import tokenbroker.config.BrokerConfig.IdentityConfig;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterialReader;

/** The rules of one identity: an endpoint, a client id and exactly one readable credential. */
final class IdentityChecks {

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,253}");
    static final String WORKLOAD_IDENTITY = "azure";

    private final List<String> problems;

    IdentityChecks(List<String> problems) {
        this.problems = problems;
    }

    Optional<IdentitySpec> check(String name, IdentityConfig c) {
        String key = "broker.identities." + name;
        int before = problems.size();
        String clientId = c.clientId().map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
        if (clientId == null) {
            problems.add(key + ".client-id: missing");
        }
        String tokenUrl = null;
        boolean entra = c.tenantId().isPresent();
        if (c.tokenUrl().isPresent() && entra) {
            problems.add(key + ": set token-url or tenant-id, not both");
        } else if (c.tokenUrl().isPresent()) {
            tokenUrl = httpUrl(key + ".token-url", c.tokenUrl().get().strip());
        } else if (entra) {
            tokenUrl = entraTokenUrl(key, c.tenantId().get().strip(), c.authorityHost().strip());
        } else {
            problems.add(key + ": missing token-url (any OAuth 2.0 server) or tenant-id (Microsoft Entra)");
        }
        Credential credential = credential(key, c, tokenUrl, entra);
        Path caFile = c.caFile().map(s -> Path.of(s.strip())).orElse(null);
        if (caFile != null) {
            BindingChecks.caFile(problems, key + ".ca-file", caFile);
        }
        Path dpopKeyFile = c.dpopKeyFile().map(s -> Path.of(s.strip())).orElse(null);
        if (dpopKeyFile != null && !c.dpop()) {
            problems.add(key + ".dpop-key-file: only used with " + key + ".dpop=true");
        } else if (dpopKeyFile != null) {
            BindingChecks.dpopKeyFile(problems, key + ".dpop-key-file", dpopKeyFile);
        }
        if (problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new IdentitySpec(name, clientId, tokenUrl, entra, credential, caFile, c.dpop(), dpopKeyFile));
    }

    /** The identity SPEC §2 makes from the variables that the Azure Workload Identity webhook sets. */
    Optional<IdentitySpec> fromWorkloadIdentity(Function<String, Optional<String>> env) {
        Optional<String> clientId = env.apply("AZURE_CLIENT_ID");
        Optional<String> tenantId = env.apply("AZURE_TENANT_ID");
        Optional<String> tokenFile = env.apply("AZURE_FEDERATED_TOKEN_FILE");
        if (clientId.isEmpty() || tenantId.isEmpty() || tokenFile.isEmpty()) {
            return Optional.empty();
        }
        String authority = env.apply("AZURE_AUTHORITY_HOST").orElse("https://login.microsoftonline.com");
        int before = problems.size();
        String tokenUrl = entraTokenUrl("AZURE_TENANT_ID", tenantId.get().strip(), authority.strip());
        Path file = Path.of(tokenFile.get().strip());
        if (!BrokerSetupFactory.readable(file)) {
            problems.add("AZURE_FEDERATED_TOKEN_FILE: cannot read " + file);
        }
        if (problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new IdentitySpec(WORKLOAD_IDENTITY, clientId.get().strip(), tokenUrl, true,
                new Credential.FederatedAssertion(file)));
    }

    private Credential credential(String key, IdentityConfig c, String tokenUrl, boolean entra) {
        List<String> given = new ArrayList<>();
        c.secretFile().ifPresent(v -> given.add("secret-file"));
        c.secret().ifPresent(v -> given.add("secret"));
        c.certificateFile().ifPresent(v -> given.add("certificate-file"));
        c.assertionFile().ifPresent(v -> given.add("assertion-file"));
        if (given.size() != 1) {
            problems.add(key + ": exactly one credential is needed (secret-file, secret, certificate-file or assertion-file), found "
                    + (given.isEmpty() ? "none" : given.size() + ": " + String.join(", ", given)));
            return null;
        }
        if (!given.contains("certificate-file")) {
            for (String certificateOnly : certificateOnlyKeys(c)) {
                problems.add(key + "." + certificateOnly + ": only used with certificate-file");
            }
        }
        String method = c.authMethod().map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse(null);
        if (method != null && !List.of("client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth").contains(method)) {
            problems.add(key + ".auth-method: '" + method
                    + "' is not one of client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth");
            return null;
        }
        if ("tls_client_auth".equals(method) && given.contains("certificate-file")) {
            for (String assertionOnly : assertionOnlyKeys(c)) {
                problems.add(key + "." + assertionOnly + ": only used with private_key_jwt; tls_client_auth sends no assertion");
            }
        }
        Credential credential = switch (given.get(0)) {
            case "secret-file", "secret" -> secret(key, c, method);
            case "certificate-file" -> "tls_client_auth".equals(method) ? tlsCertificate(key, c) : certificate(key, c, tokenUrl, entra);
            default -> assertion(key, c);
        };
        if (credential != null && method != null && !credential.authMethod().equals(method)
                && !(credential instanceof Credential.ClientSecret)) {
            problems.add(key + ".auth-method: " + method + " does not fit a " + given.get(0) + ", which uses " + credential.authMethod());
            return null;
        }
        return credential;
    }

    private static List<String> certificateOnlyKeys(IdentityConfig c) {
        List<String> keys = new ArrayList<>();
        c.keyFile().ifPresent(v -> keys.add("key-file"));
        c.keyStorePasswordFile().ifPresent(v -> keys.add("key-store-password-file"));
        c.keyId().ifPresent(v -> keys.add("key-id"));
        c.assertionAudience().ifPresent(v -> keys.add("assertion-audience"));
        return keys;
    }

    private static List<String> assertionOnlyKeys(IdentityConfig c) {
        List<String> keys = new ArrayList<>();
        c.keyId().ifPresent(v -> keys.add("key-id"));
        c.assertionAudience().ifPresent(v -> keys.add("assertion-audience"));
        return keys;
    }

    private Credential secret(String key, IdentityConfig c, String method) {
        if (method != null && (method.equals("private_key_jwt") || method.equals("tls_client_auth"))) {
            problems.add(key + ".auth-method: " + method + " needs a certificate-file and key-file, not a client secret");
            return null;
        }
        boolean post = "client_secret_post".equals(method);
        if (c.secret().isPresent()) {
            if (c.secret().get().isBlank()) {
                problems.add(key + ".secret: empty");
                return null;
            }
            return new Credential.ClientSecret(null, c.secret().get().strip(), post);
        }
        Path file = Path.of(c.secretFile().get().strip());
        return FileChecks.readSecret(problems, key + ".secret-file", file).isPresent()
                ? new Credential.ClientSecret(file, null, post)
                : null;
    }

    private Credential certificate(String key, IdentityConfig c, String tokenUrl, boolean entra) {
        Path certificateFile = Path.of(c.certificateFile().get().strip());
        Path keyFile = c.keyFile().map(s -> Path.of(s.strip())).orElse(null);
        Path passwordFile = c.keyStorePasswordFile().map(s -> Path.of(s.strip())).orElse(null);
        String audience = c.assertionAudience().map(String::strip).orElse(tokenUrl);
        var credential = new Credential.CertificateKey(certificateFile, keyFile, passwordFile,
                c.keyId().map(String::strip).orElse(null), audience, entra);
        return readable(key, credential) ? credential : null;
    }

    private Credential tlsCertificate(String key, IdentityConfig c) {
        Path certificateFile = Path.of(c.certificateFile().get().strip());
        Path keyFile = c.keyFile().map(s -> Path.of(s.strip())).orElse(null);
        Path passwordFile = c.keyStorePasswordFile().map(s -> Path.of(s.strip())).orElse(null);
        var credential = new Credential.TlsClientCertificate(certificateFile, keyFile, passwordFile);
        return readable(key, credential.asCertificateKey()) ? credential : null;
    }

    /** Whether the certificate and key of {@code credential} can be read; else one problem, naming the file's key. */
    private boolean readable(String key, Credential.CertificateKey credential) {
        try {
            KeyMaterialReader.read(credential);
            return true;
        } catch (KeyMaterialReader.KeyMaterialException e) {
            Path file = e.file();
            String which = file.equals(credential.keyFile()) ? "key-file"
                    : file.equals(credential.passwordFile()) ? "key-store-password-file" : "certificate-file";
            problems.add(key + "." + which + ": " + e.getMessage());
            return false;
        }
    }

    private Credential assertion(String key, IdentityConfig c) {
        Path file = Path.of(c.assertionFile().get().strip());
        if (!BrokerSetupFactory.readable(file)) {
            problems.add(key + ".assertion-file: cannot read " + file);
            return null;
        }
        return new Credential.FederatedAssertion(file);
    }

    private String entraTokenUrl(String key, String tenantId, String authorityHost) {
        if (!TENANT.matcher(tenantId).matches()) {
            problems.add(key + (key.startsWith("broker.") ? ".tenant-id" : "") + ": '" + tenantId
                    + "' is not a tenant id (a GUID or a domain such as contoso.onmicrosoft.com)");
            return null;
        }
        String authority = httpUrl(key.startsWith("broker.") ? key + ".authority-host" : "AZURE_AUTHORITY_HOST", authorityHost);
        if (authority == null) {
            return null;
        }
        return authority.replaceAll("/+$", "") + "/" + tenantId + "/oauth2/v2.0/token";
    }

    private String httpUrl(String key, String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getRawUserInfo() == null
                    && uri.getRawFragment() == null) {
                return value;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        // Never echo a URL that carries user info: it may hold a password.
        String shown = value.contains("@") ? "the value" : "'" + value + "'";
        problems.add(key + ": " + shown + " is not an http or https URL without user info or fragment");
        return null;
    }
}
