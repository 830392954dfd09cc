package org.aitbc.coordinator.domain;

/** What an API key may do: submit and read jobs, work jobs, or manage accounts. */
public enum Role {
    CLIENT,
    MINER,
    ADMIN;

    public String wire() {
        return WireNames.of(this);
    }

    public static Role fromWire(String value) {
        return WireNames.parse(Role.class, value);
    }
}
