package org.aitbc.coordinator.domain;

import java.util.Locale;

/** A client's subscription: decides how long results are kept and how fast it may call. */
public enum Plan {
    FREE, PRO, ENTERPRISE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Plan fromWire(String value) {
        if (value == null) {
            return null;
        }
        for (Plan p : values()) {
            if (p.wire().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
    }
}
