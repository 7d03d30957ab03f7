package tokenbroker.config;

import java.nio.file.Path;
import java.util.List;
import tokenbroker.credential.DpopKeyReader;
import tokenbroker.credential.KeyMaterialReader;

/** The start-up checks of the files that sender-constrained tokens and private token endpoints need. */
final class BindingChecks {

    private BindingChecks() {
    }

    static void caFile(List<String> problems, String key, Path file) {
        try {
            KeyMaterialReader.readCaFile(file);
        } catch (KeyMaterialReader.KeyMaterialException e) {
            problems.add(key + ": " + e.getMessage());
        }
    }

    static void dpopKeyFile(List<String> problems, String key, Path file) {
        try {
            DpopKeyReader.read(file);
        } catch (KeyMaterialReader.KeyMaterialException e) {
            problems.add(key + ": " + e.getMessage());
        }
    }
}
