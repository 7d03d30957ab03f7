package tokenbroker.credential;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed certificates and keys, read again when one of their files changes (size or modification time), so that
 * a rotated certificate Secret is used by the next token request without a restart.
 */
public final class KeyMaterialCache {

    private record Entry(List<Object> stamp, KeyMaterial keys) {
    }

    /** Replaced whole per credential; values are immutable. */
    private final Map<Credential.CertificateKey, Entry> entries = new ConcurrentHashMap<>();

    public KeyMaterial get(Credential.CertificateKey credential) throws KeyMaterialReader.KeyMaterialException {
        List<Object> stamp = stamp(credential);
        Entry entry = entries.get(credential);
        if (entry != null && entry.stamp().equals(stamp)) {
            return entry.keys();
        }
        KeyMaterial keys = KeyMaterialReader.read(credential);
        entries.put(credential, new Entry(stamp, keys));
        return keys;
    }

    private static List<Object> stamp(Credential.CertificateKey credential) {
        List<Object> stamp = new ArrayList<>(6);
        for (Path file : new Path[] { credential.certificateFile(), credential.keyFile(), credential.passwordFile() }) {
            if (file == null) {
                continue;
            }
            try {
                // Kubernetes swaps a Secret volume's "..data" link: the resolved file's identity changes too.
                Path real = file.toRealPath();
                FileTime modified = Files.getLastModifiedTime(real);
                stamp.add(real.toString());
                stamp.add(modified.toMillis() * 31 + Files.size(real));
            } catch (IOException e) {
                stamp.add(Objects.toString(file));
            }
        }
        return stamp;
    }
}
