package org.aitbc.coordinator.infrastructure.observability;

import com.ibm.websphere.logging.hpel.LogRecordContext;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.infrastructure.security.LogText;

/**
 * The fields that tie a log line to a job: {@code job_id}, {@code miner_id} and {@code account_id}.
 * They live on the current thread (Liberty's {@link LogRecordContext}) for as long as a request or a
 * scope lasts, and every line logged meanwhile carries them: in the JSON logs as {@code ext_job_id},
 * {@code ext_miner_id} and {@code ext_account_id} (renamed to the plain names by the JSON field
 * mappings in {@code liberty/logging/json.xml}); the plain-text format does not show them, the
 * message says the same in words. Keys and share tokens never become fields.
 *
 * <p>Outside Liberty (unit tests, the benchmark's seeding) the class is missing and every call does
 * nothing.
 */
public final class LogFields {
    public static final String JOB_ID = "job_id";
    public static final String MINER_ID = "miner_id";
    public static final String ACCOUNT_ID = "account_id";
    private static final List<String> ALL = List.of(JOB_ID, MINER_ID, ACCOUNT_ID);

    /** At most this many characters of a field's value: a miner id is chosen by the miner. */
    private static final int MAX_VALUE = 128;

    private static final boolean AVAILABLE = available();

    private LogFields() {}

    /** Sets one field on this thread, or removes it when {@code value} is null or blank. */
    public static void set(String name, String value) {
        if (!AVAILABLE) {
            return;
        }
        if (value == null || value.isBlank()) {
            LogRecordContext.removeExtension(name);
            return;
        }
        String text = LogText.of(value);
        LogRecordContext.addExtension(name, text.length() > MAX_VALUE ? text.substring(0, MAX_VALUE) : text);
    }

    /** Removes every field from this thread: a pooled thread must not carry a request's ids to the next. */
    public static void clear() {
        if (!AVAILABLE) {
            return;
        }
        for (String name : ALL) {
            LogRecordContext.removeExtension(name);
        }
    }

    /**
     * Sets the given fields (null ones are left as they are) until the scope is closed, which
     * removes what it set; for work that no request carries (timers, the feed).
     */
    public static Scope scope(String jobId, String minerId, String accountId) {
        List<String> set = new ArrayList<>(3);
        put(set, JOB_ID, jobId);
        put(set, MINER_ID, minerId);
        put(set, ACCOUNT_ID, accountId);
        return new Scope(set);
    }

    private static void put(List<String> set, String name, String value) {
        if (value != null && !value.isBlank()) {
            set(name, value);
            set.add(name);
        }
    }

    /** What {@link #scope} set; closing it removes exactly that. */
    public static final class Scope implements AutoCloseable {
        private final List<String> names;

        private Scope(List<String> names) {
            this.names = names;
        }

        @Override
        public void close() {
            if (AVAILABLE) {
                names.forEach(LogRecordContext::removeExtension);
            }
        }
    }

    private static boolean available() {
        try {
            Class.forName("com.ibm.websphere.logging.hpel.LogRecordContext", false, LogFields.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
