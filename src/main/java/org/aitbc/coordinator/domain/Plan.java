package org.aitbc.coordinator.domain;

/** A client's subscription: decides how long results are kept and how fast it may call. */
public enum Plan {
    FREE,
    PRO,
    ENTERPRISE;

    public String wire() {
        return WireNames.of(this);
    }

    public static Plan fromWire(String value) {
        return WireNames.parse(Plan.class, value);
    }
}
