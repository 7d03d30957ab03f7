package tokenbroker.config;

import io.quarkus.logging.Log;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import tokenbroker.credential.Credential;

/** Makes the checked {@link BrokerSetup} once; a bad configuration fails start-up with every problem listed. */
public class BrokerSetupProducer {

    @Produces
    @Singleton
    BrokerSetup setup(BrokerConfig config) {
        var env = ConfigProvider.getConfig();
        BrokerSetup setup = BrokerSetupFactory.create(config, name -> env.getOptionalValue(name, String.class));
        for (IdentitySpec identity : setup.identities().values()) {
            if (identity.credential() instanceof Credential.ClientSecret secret && secret.file() == null) {
                Log.warnf("config: broker.identities.%s.secret is inline: use secret-file outside development", identity.name());
            }
        }
        return setup;
    }
}
