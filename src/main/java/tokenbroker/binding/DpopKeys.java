package tokenbroker.binding;

import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.HashMap;
import java.util.Map;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.IdentitySpec;
import tokenbroker.credential.DpopKeyReader;
import tokenbroker.credential.KeyMaterialReader;

/**
 * The DPoP key of every identity with {@code dpop=true}: read from {@code dpop-key-file} at start, or generated then
 * (EC P-256) and held in memory only, so that a restart binds new tokens to a new key. Made once; immutable.
 */
@ApplicationScoped
public class DpopKeys {

    private final Map<String, DpopKey> keys;

    DpopKeys(BrokerSetup setup) {
        Map<String, DpopKey> made = new HashMap<>();
        for (IdentitySpec identity : setup.identities().values()) {
            if (identity.dpop()) {
                made.put(identity.name(), load(identity));
            }
        }
        this.keys = Map.copyOf(made);
    }

    /** The identity's key, or {@code null} when its tokens are not DPoP-bound. */
    public DpopKey of(IdentitySpec identity) {
        return keys.get(identity.name());
    }

    private static DpopKey load(IdentitySpec identity) {
        try {
            if (identity.dpopKeyFile() != null) {
                return new DpopKey(DpopKeyReader.read(identity.dpopKeyFile()));
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return new DpopKey(generator.generateKeyPair());
        } catch (KeyMaterialReader.KeyMaterialException e) {
            // checked at start-up already (BindingChecks): only a file changed in between gets here
            throw new IllegalStateException("dpop: broker.identities." + identity.name() + ".dpop-key-file: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("dpop: this JVM cannot make an EC P-256 key", e);
        }
    }
}
