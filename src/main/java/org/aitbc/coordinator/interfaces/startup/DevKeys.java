package org.aitbc.coordinator.interfaces.startup;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.AccountService;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Development mode ({@code AITBC_DEV_MODE=true}, on for the README's run command, off in the
 * container image): at first start creates one client key and one miner key and prints them.
 * The database keeps only their hashes, so the keys are also written to
 * {@code dev-keys.properties} in the server's output folder and printed again at every start.
 */
@Singleton
@Startup
public class DevKeys {
    private static final Logger LOG = Logger.getLogger(DevKeys.class.getName());

    @Inject
    CoordinatorConfig config;

    @EJB
    AccountService accounts;

    @PostConstruct
    void ensure() {
        if (!config.devMode()) {
            return;
        }
        Path file = Paths.get(
                System.getProperty("server.output.dir", System.getProperty("user.dir")), "dev-keys.properties");
        Properties keys = new Properties();
        if (Files.isReadable(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                keys.load(in);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot read " + file + "; creating new development keys");
            }
        }
        String client = keys.getProperty("client.key");
        String miner = keys.getProperty("miner.key");
        if (client == null
                || miner == null
                || accounts.authenticate(client).isEmpty()
                || accounts.authenticate(miner).isEmpty()) {
            client =
                    accounts.create(Role.CLIENT, Plan.PRO, "development client").apiKey();
            miner = accounts.create(Role.MINER, null, "development miner").apiKey();
            keys.setProperty("client.key", client);
            keys.setProperty("miner.key", miner);
            try {
                Files.createDirectories(file.getParent());
                try (OutputStream out = Files.newOutputStream(file)) {
                    keys.store(out, "AITBC development keys (development mode only)");
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot write " + file + ": the keys below are shown only this once");
            }
        }
        // Development mode only: printing keys is its purpose. Production never runs this.
        System.out.println("\n=== AITBC development mode ===\n"
                + "  client key (plan pro): " + client + "\n"
                + "  miner key:             " + miner + "\n"
                + "  e.g. export AITBC_API_KEY=" + client + "\n"
                + "==============================\n");
    }
}
