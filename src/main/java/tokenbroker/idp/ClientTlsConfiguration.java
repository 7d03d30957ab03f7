package tokenbroker.idp;

import io.quarkus.tls.TlsConfiguration;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.SSLOptions;
import io.vertx.core.net.TrustOptions;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.credential.KeyMaterialReader;

/**
 * The TLS settings of one token endpoint client, built from files the broker has already read: the client certificate
 * and key of {@code tls_client_auth} (presented in the handshake), and the CAs of {@code ca-file} (trusted instead of the
 * JVM's). Handed to quarkus-oidc-client through the TLS registry, the one way a runtime-created client takes a key
 * store; hostname verification stays on. Immutable: a rotated certificate gets a new configuration and a new client.
 */
final class ClientTlsConfiguration implements TlsConfiguration {

    private final String name;
    private final KeyStore keyStore;
    private final KeyManagerFactory keyManagers;
    private final KeyStore trustStore;
    private final TrustManagerFactory trustManagers;

    ClientTlsConfiguration(String name, KeyMaterial clientKeys, Path caFile)
            throws GeneralSecurityException, KeyMaterialReader.KeyMaterialException {
        this.name = name;
        if (clientKeys != null) {
            // An in-memory store with a throw-away password: the key never touches the disk again.
            char[] password = UUID.randomUUID().toString().toCharArray();
            keyStore = emptyStore();
            keyStore.setKeyEntry("client", clientKeys.key(), password, clientKeys.chain().toArray(new Certificate[0]));
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, password);
        } else {
            keyStore = null;
            keyManagers = null;
        }
        if (caFile != null) {
            List<X509Certificate> anchors = KeyMaterialReader.readCaFile(caFile);
            trustStore = emptyStore();
            for (int i = 0; i < anchors.size(); i++) {
                trustStore.setCertificateEntry("ca-" + i, anchors.get(i));
            }
            trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trustStore);
        } else {
            trustStore = null;
            trustManagers = null;
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot make an empty key store", e);
        }
        return store;
    }

    @Override
    public KeyStore getKeyStore() {
        return keyStore;
    }

    @Override
    public KeyCertOptions getKeyStoreOptions() {
        return keyManagers == null ? null : KeyCertOptions.wrap(keyManagers);
    }

    @Override
    public KeyStore getTrustStore() {
        return trustStore;
    }

    @Override
    public TrustOptions getTrustStoreOptions() {
        return trustManagers == null ? null : TrustOptions.wrap(trustManagers);
    }

    @Override
    public SSLOptions getSSLOptions() {
        return new SSLOptions();
    }

    @Override
    public SSLContext createSSLContext() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(),
                trustManagers == null ? null : trustManagers.getTrustManagers(), null);
        return context;
    }

    @Override
    public boolean isTrustAll() {
        return false;
    }

    @Override
    public Optional<String> getHostnameVerificationAlgorithm() {
        return Optional.of("HTTPS");
    }

    @Override
    public boolean usesSni() {
        return false;
    }

    @Override
    public boolean reload() {
        return false;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return "ClientTlsConfiguration[" + name + ", key=<redacted>]";
    }
}
