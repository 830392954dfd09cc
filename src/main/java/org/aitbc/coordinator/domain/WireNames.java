package org.aitbc.coordinator.domain;

import java.util.Locale;

/** The JSON spelling of the domain's enums: their names in lower case. */
final class WireNames {
    private WireNames() {}

    static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The constant whose lower-case name is {@code value} (trimmed, any case), or null. */
    static <E extends Enum<E>> E parse(Class<E> type, String value) {
        if (value == null) {
            return null;
        }
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (of(e).equals(wanted)) {
                return e;
            }
        }
        return null;
    }
}
