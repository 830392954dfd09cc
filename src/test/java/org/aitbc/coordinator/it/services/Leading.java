package org.aitbc.coordinator.it.services;

import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.aitbc.coordinator.application.Leadership;

/**
 * Makes the test's copy of the application the leader. The in-container tests deploy a second
 * copy of the application into the test server, which competes for the leadership lease with the
 * deployed one (under another name); the tests that drive the sweeper need theirs to lead. It
 * expires the lease and renews at once, until it wins the race against the other copy's tick.
 */
final class Leading {
    private Leading() {}

    static void here(Leadership leadership) throws Exception {
        DataSource ds = InitialContext.doLookup("jdbc/aitbc");
        for (int i = 0; i < 20 && !leadership.leads(); i++) {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("UPDATE LEADER_LEASE SET EXPIRES_MS = 0 WHERE NAME = ?")) {
                ps.setString(1, Leadership.NAME);
                ps.executeUpdate();
            }
            leadership.tick();
        }
        if (!leadership.leads()) {
            throw new AssertionError("the test's application could not take the leadership");
        }
    }
}
