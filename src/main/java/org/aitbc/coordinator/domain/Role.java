package org.aitbc.coordinator.domain;

import java.util.Locale;

/** What an API key may do: submit and read jobs, work jobs, or manage accounts. */
public enum Role {
    CLIENT, MINER, ADMIN;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromWire(String value) {
        if (value == null) {
            return null;
        }
        for (Role r : values()) {
            if (r.wire().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        return null;
    }
}
