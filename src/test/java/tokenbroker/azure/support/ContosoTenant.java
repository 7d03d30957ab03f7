package tokenbroker.azure.support;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One Entra tenant with an app registration per kind of credential, and a broker holding them all, for the test
 * classes that share it ({@code @WithTestResource(ContosoTenant.class)}: Quarkus starts the broker once for all of
 * them). Each resource has its own audience so that the classes do not see each other's IdP requests.
 *
 * <table>
 * <tr><th>identity</th><th>credential</th><th>resources (audience)</th></tr>
 * <tr><td>basic</td><td>secret file, {@code client_secret_basic} (default)</td><td>vault (Key Vault), sql (Azure SQL)</td></tr>
 * <tr><td>post</td><td>secret file, {@code client_secret_post}</td><td>graph (Microsoft Graph)</td></tr>
 * <tr><td>pem</td><td>PEM certificate + PKCS#8 key</td><td>storage (Azure Storage)</td></tr>
 * <tr><td>p12</td><td>PKCS#12 + password file</td><td>arm (Azure Resource Manager)</td></tr>
 * <tr><td>wrong</td><td>a secret Entra does not know (its Secret ID)</td><td>servicebus, required</td></tr>
 * </table>
 * One caller, {@code app}, whose secret is {@link #CALLER_SECRET}: every request must present it.
 */
public class ContosoTenant extends FakeEntraResource {

    public static final String TENANT = "contoso.onmicrosoft.com";
    public static final String BASIC_APP = "6731de76-14a6-49ae-97bc-6eba6914391e";
    public static final String POST_APP = "8a9f6e1c-2b3d-4c5e-9f70-1a2b3c4d5e6f";
    public static final String PEM_APP = "0f4a5b6c-7d8e-4f90-a1b2-c3d4e5f6a7b8";
    public static final String P12_APP = "1e2d3c4b-5a69-4788-96a5-b4c3d2e1f0a9";
    public static final String WRONG_APP = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d";
    /** Shaped like the Value of a current Entra secret: 40 characters, with '~', '.', '_' and '-'. */
    public static final String BASIC_SECRET = "Qm88Q~Xr2.ApLw_0sNdE-7uVb3ZcKjH1yTfG5oRi";
    public static final String POST_SECRET = "k7T8Q~a1B.c2D_e3F-g4H5i6J7k8L9m0N1o2P3q4";
    /** What operators paste by mistake: the Secret ID (a GUID) instead of the Value. */
    public static final String SECRET_ID = "5c1e7a0d-93b4-4f5e-8d2a-6b9c0e1f2a3b";
    public static final String CALLER_SECRET = "caller-7b1d2e-not-a-real-secret";

    public static final String VAULT = "https://vault.azure.net/.default";
    public static final String SQL = "https://database.windows.net//.default";
    public static final String GRAPH = "https://graph.microsoft.com/.default";
    public static final String STORAGE = "https://storage.azure.com/.default";
    public static final String ARM = "https://management.azure.com/.default";
    public static final String SERVICEBUS = "https://servicebus.azure.net/.default";

    /** The registered certificate's PEM file in the injected directory (its key sits beside it). */
    public static final String CERTIFICATE_PEM = "contoso-app.crt.pem";

    @Override
    protected Map<String, String> configure(FakeEntra entra, Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "contoso-app");
        entra.addTenant(TENANT, "https://vault.azure.net", "https://database.windows.net/", "https://graph.microsoft.com",
                        "https://storage.azure.com", "https://management.azure.com/", "https://servicebus.azure.net")
                .registerSecret(TENANT, BASIC_APP, BASIC_SECRET)
                .registerSecret(TENANT, POST_APP, POST_SECRET)
                .registerCertificate(TENANT, PEM_APP, cert.certificate())
                .registerCertificate(TENANT, P12_APP, cert.certificate())
                .registerSecret(TENANT, WRONG_APP, "Zz99Q~the.real_value-is-not-what-was-pasted");
        Map<String, String> c = new HashMap<>();
        entraIdentity(c, "basic", BASIC_APP, entra);
        // a mounted Secret file often ends in a newline: the broker must not send it
        c.put("broker.identities.basic.secret-file", write(dir, "basic.secret", BASIC_SECRET + "\n").toString());
        entraIdentity(c, "post", POST_APP, entra);
        c.put("broker.identities.post.secret-file", write(dir, "post.secret", POST_SECRET).toString());
        c.put("broker.identities.post.auth-method", "client_secret_post");
        entraIdentity(c, "pem", PEM_APP, entra);
        c.put("broker.identities.pem.certificate-file", cert.certificatePem().toString());
        c.put("broker.identities.pem.key-file", cert.keyPem().toString());
        entraIdentity(c, "p12", P12_APP, entra);
        c.put("broker.identities.p12.certificate-file", cert.pkcs12().toString());
        c.put("broker.identities.p12.key-store-password-file", cert.passwordFile().toString());
        entraIdentity(c, "wrong", WRONG_APP, entra);
        c.put("broker.identities.wrong.secret-file", write(dir, "wrong.secret", SECRET_ID).toString());
        resource(c, "vault", "basic", VAULT);
        resource(c, "sql", "basic", SQL);
        resource(c, "graph", "post", GRAPH);
        resource(c, "storage", "pem", STORAGE);
        resource(c, "arm", "p12", ARM);
        resource(c, "servicebus", "wrong", SERVICEBUS);
        c.put("broker.callers.app.secret-file", write(dir, "caller.secret", CALLER_SECRET + "\n").toString());
        // A refused credential is retried at the slowest pace; make it slower than the test run, so that the
        // tests can count IdP requests exactly.
        c.put("broker.refresh.backoff-max", "10m");
        c.put("test.azure.wire-recorder", "true");
        return c;
    }

    static void entraIdentity(Map<String, String> c, String id, String clientId, FakeEntra entra) {
        c.put("broker.identities." + id + ".client-id", clientId);
        c.put("broker.identities." + id + ".tenant-id", TENANT);
        c.put("broker.identities." + id + ".authority-host", entra.authorityHost());
    }

    static void resource(Map<String, String> c, String name, String identity, String scope) {
        c.put("broker.resources." + name + ".identity", identity);
        c.put("broker.resources." + name + ".scopes", scope);
    }
}
