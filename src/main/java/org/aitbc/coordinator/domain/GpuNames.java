package org.aitbc.coordinator.domain;

import java.util.Locale;

/**
 * GPU names as the marketplace writes them ({@code "NVIDIA GeForce RTX 4060 Ti"}, {@code "RTX
 * 4060 Ti"}, {@code "rtx4060ti"}) reduced to one comparable form: lower case, without the vendor
 * and brand words {@code nvidia} and {@code geforce}, without spaces or punctuation. A job's GPU
 * name matches a miner's GPU when both reduce to the same text.
 */
public final class GpuNames {
    private GpuNames() {}

    public static String normalise(String name) {
        if (name == null) {
            return "";
        }
        return name.toLowerCase(Locale.ROOT)
                .replace("nvidia", "")
                .replace("geforce", "")
                .replaceAll("[^a-z0-9]", "");
    }
}
