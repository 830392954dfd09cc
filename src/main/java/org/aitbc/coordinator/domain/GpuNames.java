package org.aitbc.coordinator.domain;

import java.util.Locale;

/**
 * GPU names as the marketplace writes them ({@code "NVIDIA GeForce RTX 4060 Ti"}, {@code "RTX
 * 4060 Ti"}, {@code "rtx4060ti"}) reduced to one comparable form: lower case, without the vendor
 * and brand words ({@code nvidia}, {@code geforce}, {@code amd}, {@code radeon}, as whole words),
 * without spaces or punctuation. A job's GPU name matches a miner's GPU when both reduce to the
 * same text. The one normalisation: registration stores miners' names in it, and matching and
 * pricing read jobs' names through it.
 */
public final class GpuNames {
    private GpuNames() {}

    public static String normalise(String name) {
        if (name == null) {
            return "";
        }
        return name.toLowerCase(Locale.ROOT)
                .replaceAll("\\b(nvidia|geforce|amd|radeon)\\b", " ")
                .replaceAll("[^a-z0-9]", "");
    }
}
