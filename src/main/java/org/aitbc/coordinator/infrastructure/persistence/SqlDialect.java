package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * What this server's database is, asked once, and the SQL that only one database understands.
 * Everything that differs between Derby and PostgreSQL is decided here, so that the queries
 * themselves stay one text with a fragment that is empty where it does not apply.
 *
 * <p>The data source's metadata is read on first use and kept; a database that cannot be
 * reached at that moment is asked again next time, and meanwhile counts as not Derby and as
 * shared (the cautious answers: no hints, and gaps in the event ids are waited for).
 */
@ApplicationScoped
public class SqlDialect {
    @Resource(lookup = "jdbc/aitbc")
    DataSource dataSource;

    private volatile Kind kind;

    private record Kind(boolean derby, boolean embedded) {}

    private Kind kind() {
        Kind k = kind;
        if (k == null) {
            try (Connection c = dataSource.getConnection()) {
                DatabaseMetaData meta = c.getMetaData();
                String url = meta.getURL();
                k = new Kind(
                        meta.getDatabaseProductName().toLowerCase(Locale.ROOT).contains("derby"),
                        url != null && url.startsWith("jdbc:derby:") && !url.startsWith("jdbc:derby://"));
            } catch (SQLException e) {
                return new Kind(false, false);
            }
            kind = k;
        }
        return k;
    }

    /** Derby, embedded or network: reads take row locks, and its optimizer needs index hints. */
    public boolean isDerby() {
        return kind().derby();
    }

    /**
     * Whether other servers may write to this database. Embedded Derby is opened by one server
     * only; any other database may have other servers writing.
     */
    public boolean isShared() {
        return !kind().embedded();
    }

    /**
     * Tells Derby which index to read for the query whose {@code FROM} table this follows (an
     * SQL comment that ends the line); nothing on other databases, whose planners choose well.
     */
    public String indexHint(String index) {
        return isDerby() ? " --DERBY-PROPERTIES index=" + index + "\n" : "";
    }

    /**
     * Derby's end of a query that reads at most {@code max} rows without taking or waiting for
     * locks (uncommitted read): for lists of candidates that are checked again when used.
     */
    public String derbyUncommittedFirst(int max) {
        return " FETCH FIRST " + Math.max(1, max) + " ROWS ONLY WITH UR";
    }

    /**
     * The end of a locking read that passes over rows other transactions hold locked instead of
     * waiting for them ({@code FOR UPDATE SKIP LOCKED}), or null where the database has none
     * (Derby): there a claim relies on the server's own list of jobs being claimed, which is
     * enough for embedded Derby, opened by one server only.
     */
    public String skipLocked() {
        return isDerby() ? null : " FOR UPDATE SKIP LOCKED";
    }
}
